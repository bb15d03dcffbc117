package io.pgwarden.router.patroni;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Polls a value on a thread of its own and keeps every change with the time it was first seen
 * ({@link System#nanoTime()}): the leader key in etcd, a router's view of the cluster.
 */
final class Transitions implements AutoCloseable {

    record Change(long nanos, String value) {
    }

    private final String name;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;

    Transitions(String name, Duration interval, Supplier<String> probe) {
        this.name = name;
        this.thread = new Thread(() -> {
            String last = null;
            while (!stopped) {
                String value = probe.get();
                if (!Objects.equals(value, last)) {
                    changes.add(new Change(System.nanoTime(), value));
                    last = value;
                }
                try {
                    Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "transitions-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** When a value matching {@code wanted} was first seen. */
    OptionalLong firstSeen(Predicate<String> wanted) {
        return changes.stream().filter(c -> wanted.test(c.value())).mapToLong(Change::nanos).findFirst();
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    /** One line per change, in ms from {@code originNanos}. */
    String describe(long originNanos) {
        return changes.stream()
                .map(c -> String.format("  %-15s %+7d ms  %s", name, TimeUnit.NANOSECONDS.toMillis(c.nanos() - originNanos), c.value()))
                .collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

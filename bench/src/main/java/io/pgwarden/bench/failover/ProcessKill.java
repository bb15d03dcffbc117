package io.pgwarden.bench.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** kill -9 of a process and every descendant, as a crash does it: all at once, nobody cleans up. */
final class ProcessKill {

    private static final long EXIT_WAIT_MILLIS = 5_000;

    private ProcessKill() {
    }

    /** SIGKILLs {@code pid} and its descendants (collected first: they are re-parented once it dies), waits up to 5 s. */
    static void tree(long pid) {
        Optional<ProcessHandle> root = ProcessHandle.of(pid);
        if (root.isEmpty()) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(root.get().descendants().toList());
        all.add(0, root.get());
        all.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.currentTimeMillis() + EXIT_WAIT_MILLIS;
        for (ProcessHandle process : all) {
            while (process.isAlive() && System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}

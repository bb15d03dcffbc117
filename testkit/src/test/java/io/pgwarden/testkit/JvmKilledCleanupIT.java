package io.pgwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fixtures of a JVM that dies without calling close() must not outlive it. */
@Timeout(90)
class JvmKilledCleanupIT {

    /** kill -9 runs no shutdown hook: the reapers alone must clean up. */
    @Test
    void killMinusNineLeavesNoServerAndNoTempDir() throws Exception {
        Child child = Child.start();
        try {
            assertThat(running(child.postmaster())).isTrue();

            child.process().destroyForcibly(); // SIGKILL
            assertThat(child.process().waitFor(10, TimeUnit.SECONDS)).isTrue();

            awaitGone(child);
        } finally {
            child.process().destroyForcibly();
        }
    }

    /** SIGTERM (or Ctrl-C of the demo) runs the shutdown hook, which closes the fixtures at once. */
    @Test
    void sigtermClosesFixturesThroughTheShutdownHook() throws Exception {
        Child child = Child.start();
        try {
            child.process().destroy(); // SIGTERM
            assertThat(child.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

            assertThat(child.output().get(10, TimeUnit.SECONDS))
                    .contains("Stopped PostgreSQL cluster in " + child.pgTempDir())
                    .contains("Stopped etcd");
            awaitGone(child);
        } finally {
            child.process().destroyForcibly();
        }
    }

    private static void awaitGone(Child child) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (running(child.postmaster()) || running(child.etcd())
                || Files.exists(child.pgTempDir()) || Files.exists(child.etcdTempDir()))) {
            Thread.sleep(100);
        }
        assertThat(running(child.postmaster())).as("postmaster %d running", child.postmaster()).isFalse();
        assertThat(running(child.etcd())).as("etcd %d running", child.etcd()).isFalse();
        assertThat(child.pgTempDir()).doesNotExist();
        assertThat(child.etcdTempDir()).doesNotExist();
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).filter(Commands::isRunning).isPresent();
    }

    /** A JVM running {@link FixturesInChildJvm}, once it has printed its READY line. */
    private record Child(Process process, Path pgTempDir, long postmaster, Path etcdTempDir, long etcd,
                         CompletableFuture<String> output) {

        static Child start() throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    FixturesInChildJvm.class.getName())
                    .redirectError(Redirect.DISCARD)
                    .start();
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("READY ")) {
                    String[] ready = line.split(" ");
                    // Keep draining stdout, so the child never blocks on a full pipe; the rest is its log.
                    CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
                        StringBuilder text = new StringBuilder();
                        try {
                            for (String more = reader.readLine(); more != null; more = reader.readLine()) {
                                text.append(more).append('\n');
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        return text.toString();
                    });
                    return new Child(process, Path.of(ready[1]), Long.parseLong(ready[2]), Path.of(ready[3]),
                            Long.parseLong(ready[4]), rest);
                }
            }
            process.destroyForcibly();
            throw new AssertionError("child JVM ended before starting its fixtures");
        }
    }
}

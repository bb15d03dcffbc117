package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fixtures of a JVM that dies without calling close() must not outlive it. */
@Timeout(90)
class JvmKilledCleanupIT {

    /** kill -9 runs no shutdown hook: the reapers alone must clean up. */
    @Test
    void killMinusNineLeavesNoServerAndNoTempDir(@TempDir Path workDir) throws Exception {
        Child child = Child.start(workDir);
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
    void sigtermClosesFixturesThroughTheShutdownHook(@TempDir Path workDir) throws Exception {
        Child child = Child.start(workDir);
        try {
            child.process().destroy(); // SIGTERM
            assertThat(child.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

            assertThat(child.log())
                    .contains("Stopped PostgreSQL cluster in " + child.pgTempDir())
                    .contains("Stopped etcd");
            awaitGone(child);
        } finally {
            child.process().destroyForcibly();
        }
    }

    /** The same for a Patroni cluster with HAProxy in front: agents, postmasters, etcd, haproxy, temp dirs. */
    @Test
    void killMinusNineLeavesNoPatroniClusterBehind(@TempDir Path workDir) throws Exception {
        killMinusNineLeavesNothingOf(PatroniInChildJvm.class, 6, workDir);
    }

    /** The same for every member of an etcd cluster. */
    @Test
    void killMinusNineLeavesNoEtcdClusterBehind(@TempDir Path workDir) throws Exception {
        killMinusNineLeavesNothingOf(EtcdClusterInChildJvm.class, 3, workDir);
    }

    /** {@code main} prints {@code READY <dirs separated by ':'> <pids separated by ':'>}. */
    private static void killMinusNineLeavesNothingOf(Class<?> main, int processes, Path workDir) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path output = workDir.resolve("child.out");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                main.getName())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            String[] ready = awaitReady(process, output);
            List<Path> dirs = Stream.of(ready[1].split(":")).map(Path::of).toList();
            List<Long> pids = Stream.of(ready[2].split(":")).map(Long::parseLong).toList();
            assertThat(pids).hasSize(processes).allMatch(JvmKilledCleanupIT::running);

            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline
                    && (pids.stream().anyMatch(JvmKilledCleanupIT::running) || dirs.stream().anyMatch(Files::exists))) {
                Thread.sleep(100);
            }
            assertThat(pids).noneMatch(JvmKilledCleanupIT::running);
            assertThat(dirs).noneMatch(Files::exists);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String[] awaitReady(Process process, Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
                if (line.startsWith("READY ")) {
                    return line.split(" ");
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError("child JVM did not start its fixtures:\n" + Files.readString(output));
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
    private record Child(Process process, Path output, Path pgTempDir, long postmaster, Path etcdTempDir, long etcd) {

        static Child start(Path workDir) throws Exception {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            // Output to a file: reading a pipe while the process exits can fail with "Stream closed".
            Path output = workDir.resolve("child.out");
            Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    FixturesInChildJvm.class.getName())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
                    if (line.startsWith("READY ")) {
                        String[] ready = line.split(" ");
                        return new Child(process, output, Path.of(ready[1]), Long.parseLong(ready[2]),
                                Path.of(ready[3]), Long.parseLong(ready[4]));
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            process.destroyForcibly();
            throw new AssertionError("child JVM did not start its fixtures:\n" + Files.readString(output));
        }

        String log() throws IOException {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
    }
}

package io.pgwarden.agent.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code postmaster.pid}: whether the postmaster it names still runs. A crash leaves the file behind,
 * and its pid may since belong to another process, so the process must also be a live postgres
 * whose working directory is this data directory (the postmaster changes into it).
 */
final class PostmasterPidFile {

    private final Path dataDir;

    PostmasterPidFile(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** The running postmaster's pid (a single-user postgres writes its pid negated: it counts too). */
    OptionalLong runningPid() {
        OptionalLong pid = readPid();
        if (pid.isEmpty() || !isOurPostgres(pid.getAsLong())) {
            return OptionalLong.empty();
        }
        return pid;
    }

    /**
     * Waits until the process the file names no longer exists at all, up to {@code maxMillis}: a killed
     * postmaster stays a zombie until whoever adopted it reaps it, and pg_ctl refuses to start while its
     * pid exists.
     */
    void awaitGone(long maxMillis) {
        OptionalLong pid = readPid();
        if (pid.isPresent() && isZombie(pid.getAsLong())) {
            // Dead, only not reaped yet (whoever adopted it may take seconds): pg_ctl would refuse to
            // start while the pid exists. PostgreSQL's shared-memory interlock still stops a start
            // while any old backend lives, so the file can go.
            try {
                deleteSocketLock(pid.getAsLong());
                Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
                return;
            } catch (IOException e) {
                // wait for the reaper below
            }
        }
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (pid.isPresent() && Files.exists(Path.of("/proc", String.valueOf(pid.getAsLong())))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The Unix socket's lock file ({@code <socket dir>/.s.PGSQL.<port>.lock}) names the dead postmaster too. */
    private void deleteSocketLock(long pid) throws IOException {
        List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        if (lines.size() < 5 || lines.get(4).isBlank()) {
            return;
        }
        Path lock = Path.of(lines.get(4).strip()).resolve(".s.PGSQL." + lines.get(3).strip() + ".lock");
        try {
            List<String> lockLines = Files.readAllLines(lock);
            if (!lockLines.isEmpty() && lockLines.get(0).strip().equals(String.valueOf(pid))) {
                Files.deleteIfExists(lock);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no socket lock
        }
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private OptionalLong readPid() {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new PostgresException("could not read " + dataDir.resolve("postmaster.pid") + ": " + e, e);
        }
        if (lines.isEmpty()) {
            return OptionalLong.empty(); // being written, or cut short by a crash
        }
        try {
            long pid = Math.abs(Long.parseLong(lines.get(0).strip()));
            return pid == 0 ? OptionalLong.empty() : OptionalLong.of(pid);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private boolean isOurPostgres(long pid) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        String stat;
        try {
            stat = Files.readString(proc.resolve("stat"));
        } catch (IOException e) {
            return false; // gone (or no /proc, where PostgreSQL does not run as the agent expects)
        }
        // "pid (comm) S ...": comm may hold anything, so the state follows the last ')'.
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.length()) {
            return false;
        }
        String comm = stat.substring(open + 1, close);
        char state = stat.charAt(close + 2);
        if (state == 'Z' || state == 'X' || !(comm.equals("postgres") || comm.equals("postmaster"))) {
            return false;
        }
        try {
            return Files.readSymbolicLink(proc.resolve("cwd")).equals(dataDir.toRealPath());
        } catch (IOException | SecurityException e) {
            return true; // another user's process we may not inspect: the name has to do
        }
    }
}

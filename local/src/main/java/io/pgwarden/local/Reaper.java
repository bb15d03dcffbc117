package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A detached shell that cleans up a fixture if this JVM dies without closing it (kill -9, a crashed
 * test fork): no orphan servers, no leftover temp dirs. It polls once a second whether the JVM is
 * still alive; once it is gone, it runs the fixture's cleanup script and removes the temp dir.
 * It also exits, doing nothing, as soon as the temp dir is gone, which is how a normal close() ends
 * it even if {@link #stop()} missed.
 */
final class Reaper {

    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private final Process process;

    private Reaper(Process process) {
        this.process = process;
    }

    /**
     * @param tempDir the fixture's temp dir, removed after {@code cleanup} has run
     * @param cleanup shell lines that stop the fixture's servers; they must tolerate servers that
     *                never started or already stopped
     */
    static Reaper watch(Path tempDir, String cleanup) {
        // [ -d /proc/PID ], not kill -0: a reaper that is not root may not signal a root JVM.
        String script = "jvm=" + ProcessHandle.current().pid() + "\n"
                + "dir=" + quote(tempDir.toString()) + "\n"
                + "while [ -d /proc/$jvm ] && [ -d \"$dir\" ]; do sleep 1; done\n"
                + "[ -d \"$dir\" ] || exit 0\n"
                + cleanup + "\n"
                + "rm -rf \"$dir\"\n";
        // setsid: its own session, so Ctrl-C in the demo's terminal does not kill it along with the JVM.
        ProcessBuilder builder = new ProcessBuilder("setsid", "sh", "-c", script)
                .directory(Path.of("/").toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD);
        try {
            return new Reaper(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the cleanup process for " + tempDir, e);
        }
    }

    /** Ends the reaper once the fixture has been cleaned up normally. */
    void stop() {
        Commands.killTree(process.toHandle());
        LOG.debug("Reaper {} stopped", process.pid());
    }

    long pid() {
        return process.pid();
    }

    /** Single-quotes a word for sh. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}

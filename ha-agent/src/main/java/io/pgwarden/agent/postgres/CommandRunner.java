package io.pgwarden.agent.postgres;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs an external command to its end or its timeout, capturing what it prints. */
final class CommandRunner {

    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);

    /**
     * Runs {@code command} (no shell) and waits for it.
     *
     * @param env     added to this JVM's environment
     * @param workDir the command's working directory
     * @throws PostgresException if it cannot start, runs past {@code timeout} (it and its children are
     *                           killed) or the wait is interrupted
     */
    CommandOutput run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        LOG.debug("Running {}", command);
        Path outputFile = null;
        try {
            // A file, not a pipe: pg_ctl start leaves a postmaster behind, and a daemon that inherited
            // the pipe would keep a reader waiting after the command itself has exited.
            outputFile = Files.createTempFile("pgwarden-agent-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(process);
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted while running " + String.join(" ", command), e);
            }
            if (!exited) {
                kill(process);
                throw new PostgresException(String.join(" ", command) + " did not finish within " + timeout.toSeconds()
                        + " s and was killed\n" + CommandOutput.tail(read(outputFile), CommandOutput.TAIL_LINES));
            }
            return new CommandOutput(command, process.exitValue(), read(outputFile));
        } catch (IOException e) {
            throw new PostgresException("could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } finally {
            if (outputFile != null) {
                try {
                    Files.deleteIfExists(outputFile);
                } catch (IOException e) {
                    LOG.debug("Could not delete {}: {}", outputFile, e.toString());
                }
            }
        }
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8); // lenient: output may not be UTF-8
    }

    /** SIGKILLs the command and its descendants, collected first because they are re-parented once it dies. */
    private static void kill(Process process) {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(0, process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

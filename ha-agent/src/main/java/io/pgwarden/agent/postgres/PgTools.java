package io.pgwarden.agent.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** PostgreSQL's command line tools in one bin directory, run as the server's OS user. */
final class PgTools {

    private final Path binDir;
    private final OsUser user;
    private final CommandRunner runner;
    private final Path workDir;

    /** @param workDir a directory the OS user may enter (the data directory's parent): its cwd */
    PgTools(Path binDir, OsUser user, CommandRunner runner, Path workDir) {
        this.binDir = binDir;
        this.user = user;
        this.runner = runner;
        this.workDir = workDir;
    }

    /** Runs {@code tool} (initdb, pg_ctl, ...) with {@code args}; the caller checks the exit code. */
    CommandOutput run(String tool, List<String> args, Map<String, String> env, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(binDir.resolve(tool).toString());
        command.addAll(args);
        // Before the first initdb the parent may not exist yet; "/" is a directory anyone may enter.
        Path cwd = java.nio.file.Files.isDirectory(workDir) ? workDir : Path.of("/");
        return runner.run(user.command(command), env, cwd, timeout);
    }
}

package io.pgwarden.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The PostgreSQL clients integration tests drive the router with: psql and pgbench from
 * PostgreSQL 15, and a python3 that has psycopg2.
 *
 * <p>{@code db} may also be a libpq connection string ({@code "dbname=app sslmode=require"}) for
 * settings that have no option of their own.
 */
public final class ClientTools {

    public static final Path BIN_DIR = PostgresCluster.DEFAULT_BIN_DIR;
    public static final Duration PSQL_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration PGBENCH_TIMEOUT = Duration.ofMinutes(10);

    private static final String PSYCOPG2_PACKAGE = "python3-psycopg2";
    /** util-linux, on every Debian system. */
    private static final String SETSID = "/usr/bin/setsid";

    private ClientTools() {
    }

    /**
     * Runs psql without a psqlrc, never prompting for a password, stopping at the first error.
     * {@code extraArgs} come after the connection options, e.g. {@code "-At", "-c", "SELECT 1"}.
     */
    public static CommandResult psql(String host, int port, String user, String password, String db, String... extraArgs) {
        return psql(PSQL_TIMEOUT, host, port, user, password, db, extraArgs);
    }

    public static CommandResult psql(Duration timeout, String host, int port, String user, String password, String db,
                                     String... extraArgs) {
        List<String> command = new ArrayList<>(List.of(binary("psql"), "-X", "-w", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", String.valueOf(port), "-U", user, "-d", db));
        command.addAll(List.of(extraArgs));
        return Commands.run(command, env(password), null, timeout);
    }

    /**
     * Runs pgbench; {@code extraArgs} are its options ({@code "-i", "-s", "1"} or {@code "-c", "4", "-T", "5"}),
     * the database goes last as pgbench wants.
     */
    public static CommandResult pgbench(String host, int port, String user, String password, String db, String... extraArgs) {
        return pgbench(PGBENCH_TIMEOUT, host, port, user, password, db, extraArgs);
    }

    public static CommandResult pgbench(Duration timeout, String host, int port, String user, String password, String db,
                                        String... extraArgs) {
        // In a session of its own, as a client application would be: with the kernel's autogroup
        // scheduling, a pgbench in this JVM's session shares one CPU share with whatever else runs
        // here (a router under test), which starved PostgreSQL backends for up to half a second.
        List<String> command = new ArrayList<>(List.of(SETSID, "-w", binary("pgbench"),
                "-h", host, "-p", String.valueOf(port), "-U", user));
        command.addAll(List.of(extraArgs));
        command.add(db);
        return Commands.run(command, env(password), null, timeout);
    }

    /**
     * A python3 that can {@code import psycopg2}. Debian's python3-psycopg2 installs for /usr/bin/python3,
     * which is tried first; the python3 on PATH may be another one (pyenv) without it.
     *
     * @throws IllegalStateException naming the package to install if none can
     */
    public static Path python3ForPsycopg2() {
        Set<Path> candidates = new LinkedHashSet<>();
        candidates.add(Path.of("/usr/bin/python3"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "python3"));
                }
            }
        }
        for (Path python : candidates) {
            if (Files.isExecutable(python)
                    && Commands.run(Duration.ofSeconds(20), python.toString(), "-c", "import psycopg2").succeeded()) {
                return python;
            }
        }
        throw new IllegalStateException("no python3 can import psycopg2 (tried " + candidates
                + "); install the Debian package " + PSYCOPG2_PACKAGE);
    }

    private static String binary(String name) {
        Path binary = BIN_DIR.resolve(name);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " not found; install the Debian package " + PostgresCluster.PACKAGE);
        }
        return binary.toString();
    }

    private static Map<String, String> env(String password) {
        return password == null ? Map.of("PGCONNECT_TIMEOUT", "5")
                : Map.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "5");
    }
}

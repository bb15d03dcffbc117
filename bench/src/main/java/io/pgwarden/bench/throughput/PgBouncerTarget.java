package io.pgwarden.bench.throughput;

import io.pgwarden.local.Commands;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.PoolMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Debian's PgBouncer in front of one primary, with the pool size and mode of the pgwarden target it
 * is compared with. It runs as the OS user {@code postgres} when this JVM is root, since PgBouncer
 * refuses to run as root.
 */
public final class PgBouncerTarget implements Target {

    private static final Logger log = LoggerFactory.getLogger(PgBouncerTarget.class);

    static final Path BINARY = Path.of("/usr/sbin/pgbouncer");
    static final String PACKAGE = "pgbouncer";

    private static final String HOST = "127.0.0.1";
    private static final String RUN_AS = "postgres";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    /*
     * PgBouncer runs under this shell, which also stops it within a second or two of the bench JVM
     * dying without closing it (kill -9), so that no PgBouncer outlives the bench. The shell exits
     * once PgBouncer has, and reaps it.
     */
    private static final String WATCHDOG = """
            jvm=$1; shift
            "$@" &
            child=$!
            while [ -d /proc/$jvm ] && kill -0 $child 2>/dev/null; do sleep 1; done
            kill $child 2>/dev/null
            wait $child
            """;

    private final PgBouncerConfig config;
    private final Process process;
    private final String version;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PgBouncerTarget(PgBouncerConfig config, Process process, String version) {
        this.config = config;
        this.process = process;
        this.version = version;
    }

    /** Why PgBouncer cannot be compared with, or empty if it can. */
    static Optional<String> unavailable() {
        return unavailable(BINARY);
    }

    static Optional<String> unavailable(Path binary) {
        return Files.isExecutable(binary) ? Optional.empty()
                : Optional.of(binary + " not found; install the Debian package " + PACKAGE + " to compare with PgBouncer");
    }

    /**
     * Writes the configuration into {@code dir} (created), starts PgBouncer and waits until it accepts connections.
     *
     * @param maxClientConn PgBouncer's {@code max_client_conn}
     * @param secret        the userlist secret of the bench user: its SCRAM verifier, as pgwarden gets it
     */
    public static PgBouncerTarget start(PostgresNode server, PoolMode poolMode, int poolSize, int maxClientConn,
                                        Path dir, String secret) throws IOException, InterruptedException {
        PgBouncerConfig config = new PgBouncerConfig(dir, FreePorts.next(), server.host(), server.port(),
                PgbenchRunner.DATABASE, poolMode, poolSize, maxClientConn);
        Files.createDirectories(dir);
        Files.writeString(config.iniFile(), config.ini());
        Files.writeString(config.userListFile(), PgBouncerConfig.userList(PgbenchRunner.USER, secret));
        Files.setPosixFilePermissions(config.userListFile(), PosixFilePermissions.fromString("rw-------"));

        List<String> command = new ArrayList<>();
        if (isRoot()) {
            for (Path path : List.of(dir, config.iniFile(), config.userListFile())) {
                giveToRunAsUser(path);
            }
            command.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        command.addAll(List.of("sh", "-c", WATCHDOG, "pgbouncer-watchdog", String.valueOf(ProcessHandle.current().pid()),
                BINARY.toString(), config.iniFile().toString()));
        Process process = new ProcessBuilder(command)
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("pgbouncer.out").toFile())
                .start();
        PgBouncerTarget target = new PgBouncerTarget(config, process, version());
        try {
            target.awaitAccepting();
        } catch (RuntimeException | InterruptedException e) {
            target.close();
            throw e;
        }
        log.debug("PgBouncer ({} mode) on port {}, pid {}", poolMode.configName(), config.listenPort(), process.pid());
        return target;
    }

    private void awaitAccepting() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("PgBouncer exited with code " + process.exitValue() + ": " + output());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, config.listenPort()), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("PgBouncer did not accept connections on port "
                            + config.listenPort() + " within " + START_TIMEOUT.toSeconds() + " s: " + output(), e);
                }
            }
            Thread.sleep(50);
        }
    }

    static String nameFor(PoolMode poolMode) {
        return "pgbouncer-" + poolMode.shortName();
    }

    @Override
    public String name() {
        return nameFor(config.poolMode());
    }

    @Override
    public String description() {
        return version + ", " + config.poolMode().configName() + " pool mode, default_pool_size " + config.poolSize();
    }

    @Override
    public Optional<PoolMode> poolMode() {
        return Optional.of(config.poolMode());
    }

    /**
     * PgBouncer 1.18 has no prepared-statement support (a statement prepared in one transaction is missing
     * on the server connection the next one gets), so {@code -M prepared} is compared with direct only.
     */
    @Override
    public boolean supports(QueryMode mode) {
        return mode != QueryMode.PREPARED;
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return config.listenPort();
    }

    @Override
    public Optional<Duration> cpuTime() {
        return process.descendants().filter(PgBouncerTarget::isPgBouncer).findFirst()
                .flatMap(p -> p.info().totalCpuDuration());
    }

    private static boolean isPgBouncer(ProcessHandle process) {
        return process.info().command().map(c -> c.endsWith("/pgbouncer")).orElse(false);
    }

    /** SIGTERM (PgBouncer's immediate shutdown) to PgBouncer; the watchdog shell and runuser then exit by themselves. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.stream().filter(PgBouncerTarget::isPgBouncer)
                .forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("PgBouncer on port {} did not stop within {} s, killing it", config.listenPort(),
                        STOP_TIMEOUT.toSeconds());
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name() + " on port " + config.listenPort();
    }

    private String output() {
        try {
            List<String> lines = Files.readAllLines(config.dir().resolve("pgbouncer.out"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())).strip();
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static String version() {
        String stdout = Commands.run(Duration.ofSeconds(10), BINARY.toString(), "--version").stdout().strip();
        return stdout.isEmpty() ? "PgBouncer" : stdout.lines().findFirst().orElseThrow();
    }

    private static boolean isRoot() {
        try {
            // /proc/self belongs to this process's effective uid.
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void giveToRunAsUser(Path path) {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(lookup.lookupPrincipalByName(RUN_AS));
            view.setGroup(lookup.lookupPrincipalByGroupName(RUN_AS));
        } catch (IOException e) {
            throw new UncheckedIOException("could not hand " + path + " to the OS user " + RUN_AS
                    + ", which PgBouncer runs as when the bench runs as root", e);
        }
    }
}

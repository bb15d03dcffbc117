package io.pgwarden.systest;

import io.pgwarden.local.FreePorts;
import io.pgwarden.router.listener.RouterServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pgwarden router as an OS process of its own (the real {@link RouterServer} from a YAML file), so
 * that it can die as a router dies: SIGKILL leaves its registration lease to expire in etcd, SIGSTOP
 * freezes it with the lease still live. An in-process router cannot do either (closing it revokes the
 * lease). The process stops by itself when the JVM that started it is gone.
 */
final class RouterProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RouterProcess.class);
    private static final String PARENT_ENV = "PGWARDEN_ROUTER_PARENT";

    private final Path config;
    private final Path log;
    private final int primaryPort;
    private Process process;

    private RouterProcess(Path config, Path log, int primaryPort) {
        this.config = config;
        this.log = log;
        this.primaryPort = primaryPort;
    }

    /**
     * Writes the router's YAML under {@code dir} and starts it.
     *
     * @param lease its registration lease (the router's {@code dcs.isolation_timeout}): how long it
     *              outlives a kill in etcd
     */
    static RouterProcess start(Path dir, List<String> etcd, String scope, Path userList, Duration lease)
            throws IOException {
        int primary = FreePorts.next();
        long leaseSeconds = Math.max(2, lease.toSeconds());
        String yaml = String.join("\n",
                "listen:",
                "  host: 127.0.0.1",
                "  primary_port: " + primary,
                "  replica_port: " + FreePorts.next(),
                "  io_threads: 1",
                "dcs:",
                "  etcd: [" + String.join(", ", etcd) + "]",
                "  scope: " + scope,
                "  check_interval: 500ms",
                "  isolation_timeout: " + leaseSeconds + "s",
                "  ttl: " + (leaseSeconds + 5) + "s",
                "auth:",
                "  file: " + userList.toAbsolutePath(),
                "pool:",
                "  mode: transaction",
                "");
        Path config = dir.resolve("router-" + primary + ".yml");
        Files.writeString(config, yaml);
        RouterProcess router = new RouterProcess(config, dir.resolve("router-" + primary + ".log"), primary);
        router.start();
        return router;
    }

    private synchronized void start() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), RouterProcess.class.getName(), config.toString())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put(PARENT_ENV, String.valueOf(ProcessHandle.current().pid()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a router from " + config, e);
        }
        LOG.info("Started router process (pid {}) on port {}", process.pid(), primaryPort);
    }

    /** The id it registers under {@code routers/}, as RouterServer names itself. */
    String id() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName() + "-" + primaryPort;
        } catch (IOException e) {
            return "router-" + primaryPort;
        }
    }

    int primaryPort() {
        return primaryPort;
    }

    Path log() {
        return log;
    }

    /** kill -9: no deregistration, its lease runs out in etcd. */
    synchronized void kill() {
        signal("KILL");
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Killed router process on port {}", primaryPort);
    }

    /** SIGSTOP: alive but answering nothing, renewing nothing. */
    synchronized void freeze() {
        signal("STOP");
    }

    synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM: the router closes, and deregisters (revokes its lease) on the way out. */
    synchronized void terminate() {
        signal("CONT");
        signal("TERM");
        try {
            process.waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL also ends a stopped process
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The process's main: the router from the file, until killed or the parent JVM is gone. */
    public static void main(String[] args) throws Exception {
        RouterServer router = RouterServer.start(Path.of(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(router::close));
        String parent = System.getenv(PARENT_ENV);
        while (parent == null || ProcessHandle.of(Long.parseLong(parent)).map(ProcessHandle::isAlive).orElse(false)) {
            Thread.sleep(500);
        }
        System.exit(0);
    }
}

package io.pgwarden.launcher;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.auth.UserList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real thing: {@code java -jar pgwarden.jar router -c router.yml} in a process of its own,
 * sent {@code kill -HUP}. A user added to the auth file can log in afterwards; a bad config file is
 * logged at ERROR naming the key and the file, and the running config stays in force.
 */
@Timeout(180)
class SighupReloadIT {

    private static final Path JAR = Path.of("target", "pgwarden.jar");
    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(20);

    private static PostgresCluster cluster;
    private static Process router;
    private static Path configFile;
    private static Path userList;
    private static Path log;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        assertThat(JAR).as("the launcher jar (built by mvn package)").exists();
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(0));
        try (var direct = cluster.primary().connect("postgres"); var s = direct.createStatement()) {
            s.execute("CREATE ROLE newbie LOGIN PASSWORD 'newbie-pw'");
        }
        Path dir = cluster.tempDir();
        configFile = dir.resolve("router.yml");
        userList = dir.resolve("userlist.txt");
        log = dir.resolve("router.log");
        Files.writeString(userList, UserList.entry("postgres", "postgres"));
        port = FreePorts.next();
        Files.writeString(configFile, config("max_size: 5"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        router = new ProcessBuilder(java, "-jar", JAR.toAbsolutePath().toString(), "router", "-c", configFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        awaitTrue("the router accepts logins", () -> psql("postgres", "postgres").succeeded());
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.destroy();
            if (!router.waitFor(20, TimeUnit.SECONDS)) {
                router.destroyForcibly();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String config(String poolLine) {
        PostgresNode primary = cluster.primary();
        return """
                listen: {host: 127.0.0.1, primary_port: %d, replica_port: %d}
                topology:
                  members:
                    - {name: pg0, host: %s, port: %d, role: primary}
                auth:
                  file: userlist.txt
                pool:
                  %s
                """.formatted(port, FreePorts.next(), primary.host(), primary.port(), poolLine);
    }

    private static CommandResult psql(String user, String password) {
        return ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", port, user, password, "postgres", "-At", "-c", "select 1");
    }

    private static String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** Polls until the condition holds, for at most 30 s; fails naming what it waited for, with the router's log. */
    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(router.isAlive()).as("router process alive; its log:\n" + logText()).isTrue();
            assertThat(System.nanoTime() - deadline).as("waiting for " + what + "; router log:\n" + logText()).isNegative();
            Thread.sleep(100);
        }
    }

    @Test
    void sighupReReadsTheFilesAndABadFileKeepsTheRunningConfig() throws Exception {
        assertThat(psql("newbie", "newbie-pw").stderr()).contains("password authentication failed");

        Files.writeString(userList, UserList.entry("newbie", "newbie-pw"), StandardOpenOption.APPEND);
        Commands.signal(router.pid(), "HUP");
        awaitTrue("the new user can log in after SIGHUP", () -> psql("newbie", "newbie-pw").succeeded());
        assertThat(logText()).contains("SIGHUP: reloading the config file").contains("auth.file (users)");

        Files.writeString(configFile, config("max_size: 0"));
        Commands.signal(router.pid(), "HUP");
        awaitTrue("the rejected reload in the log", () -> logText().contains("config reload rejected"));
        List<String> rejected = logText().lines().filter(l -> l.contains("config reload rejected")).toList();
        assertThat(rejected).singleElement().satisfies(line -> assertThat(line)
                .contains("ERROR").contains(configFile.toString()).contains("'pool.max_size'"));
        assertThat(router.isAlive()).isTrue();
        assertThat(psql("newbie", "newbie-pw").stdout().strip()).isEqualTo("1");
        assertThat(psql("postgres", "postgres").stdout().strip()).isEqualTo("1");
    }
}

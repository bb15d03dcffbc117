package io.pgwarden.launcher;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as a user runs it: the packaged jar in its own JVM, psql against both ports, then
 * SIGTERM, after which nothing it started may remain.
 */
class DemoIT {

    private static final Path JAR = Path.of("target", "pgwarden.jar");
    private static final Pattern CLUSTER_DIR = Pattern.compile("cluster in (\\S+):");

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void demoAnswersPsqlOnBothPortsAndCleansUpOnSigterm() throws Exception {
        assertThat(JAR).exists();
        int primaryPort = FreePorts.next();
        int replicaPort = FreePorts.next();
        int adminPort = FreePorts.next();
        Process demo = new ProcessBuilder("java", "-jar", JAR.toString(), "demo",
                "--primary-port", String.valueOf(primaryPort), "--replica-port", String.valueOf(replicaPort),
                "--admin-port", String.valueOf(adminPort))
                .redirectErrorStream(true)
                .start();
        List<String> output = new ArrayList<>();
        Path clusterDir = null;
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                Matcher m = CLUSTER_DIR.matcher(line);
                if (m.find()) {
                    clusterDir = Path.of(m.group(1));
                }
                if (line.contains("psql -h 127.0.0.1 -p " + replicaPort)) {
                    break;
                }
            }
            assertThat(String.join("\n", output)).contains("pgwarden demo is up");
            assertThat(clusterDir).isNotNull();

            CommandResult primary = ClientTools.psql("127.0.0.1", primaryPort, "postgres", "postgres", "postgres",
                    "-Atc", "select pg_is_in_recovery()");
            CommandResult replica = ClientTools.psql("127.0.0.1", replicaPort, "postgres", "postgres", "postgres",
                    "-Atc", "select pg_is_in_recovery()");
            assertThat(primary.stdout().trim()).isEqualTo("f");
            assertThat(replica.stdout().trim()).isEqualTo("t");
            // The demo user is an admin: the console lists the pools the two queries above used.
            CommandResult pools = ClientTools.psql("127.0.0.1", primaryPort, "postgres", "postgres", "pgwarden",
                    "-Atc", "SHOW POOLS");
            assertThat(pools.succeeded()).as(pools.stderr()).isTrue();
            assertThat(pools.stdout()).contains("|postgres|postgres|");
        } finally {
            demo.destroy(); // SIGTERM, as Ctrl-C's sibling
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo exits after SIGTERM").isTrue();
        }
        assertThat(clusterDir).as("the demo's PostgreSQL files are removed").satisfies(dir -> assertThat(Files.exists(dir)).isFalse());
        assertThat(isListening(primaryPort)).as("router port closed").isFalse();
    }

    private static boolean isListening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

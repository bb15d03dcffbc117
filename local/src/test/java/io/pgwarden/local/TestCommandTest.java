package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's test command is what CI runs, and it installs the Debian packages the tests need
 * first, so that it works on a fresh Debian 12 machine with only Java and Maven.
 */
class TestCommandTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void readmeTestCommandInstallsTheTestPackagesAndIsWhatCiRuns() throws IOException {
        String command = readmeTestCommand();
        assertThat(command).startsWith("bin/install-test-deps && ").endsWith("mvn -B -ntp verify");

        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));
        assertThat(ci.get(ci.size() - 1).strip()).as(".ci/run's last command").isEqualTo(command);
    }

    @Test
    void installScriptKnowsEveryPackageTheReadmeNames() throws IOException {
        String script = Files.readString(ROOT.resolve("bin/install-test-deps"));
        for (String pkg : List.of("postgresql-15", "postgresql-client-15", "etcd-server", "etcd-client", "patroni",
                "haproxy", "pgbouncer", "python3-psycopg2", "python3-idna", "iproute2")) {
            assertThat(script).as("bin/install-test-deps installs %s", pkg).contains("missing+=(" + pkg + ")");
            assertThat(Files.readString(ROOT.resolve("README.md"))).contains(pkg);
        }
    }

    @Test
    void installScriptFindsNothingMissingWhereTheTestsRun() {
        // The suite is running here, so the script's own checks must find every package in place.
        CommandResult check = Commands.run(Duration.ofSeconds(60), ROOT.resolve("bin/install-test-deps").toString(), "--check");
        assertThat(check.succeeded()).as(check.stderr()).isTrue();
        assertThat(check.stdout().strip()).isEqualTo("missing: none");
    }

    /** The indented command after "Run the tests" in the README. */
    private static String readmeTestCommand() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("Run the tests")) {
                start = i;
                break;
            }
        }
        assertThat(start).as("README has a 'Run the tests' paragraph").isNotNegative();
        for (int i = start; i < lines.size(); i++) {
            if (lines.get(i).startsWith("    ")) {
                return lines.get(i).strip();
            }
        }
        throw new AssertionError("no indented command after 'Run the tests'");
    }
}

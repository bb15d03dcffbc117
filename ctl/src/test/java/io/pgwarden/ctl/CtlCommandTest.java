package io.pgwarden.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without a cluster: usage errors exit with 2 before anything is contacted. */
class CtlCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        Terminal terminal = Terminal.of(new ByteArrayInputStream(new byte[0]), out, err);
        return CtlCommand.commandLine(terminal).execute(args);
    }

    @Test
    void withoutEtcdOrScopeItIsAUsageError() {
        assertThat(run("list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("no etcd endpoint");
        assertThat(run("--etcd", "http://127.0.0.1:1", "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("no cluster: give --scope");
    }

    @Test
    void connectionOptionsMayComeAfterTheSubcommand() {
        assertThat(run("list", "--etcd", "http://127.0.0.1:1", "--scope", "demo", "--format", "xml"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--format must be pretty, json, yaml or tsv");
    }

    @Test
    void unknownOptionsAndMissingArgumentsAreUsageErrors() {
        assertThat(run("list", "--bogus")).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--etcd", "http://127.0.0.1:1", "--scope", "d", "failover")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--candidate");
        assertThat(run("--etcd", "http://127.0.0.1:1", "--scope", "d", "reinit")).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void badEtcdOptionsAreUsageErrorsNamingTheOption() {
        assertThat(run("--etcd", "ftp://127.0.0.1:2379", "--scope", "d", "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for --etcd: must be http://host:port");
        assertThat(run("--etcd", "https://127.0.0.1:2379", "--etcd-cacert", dir.resolve("none.pem").toString(),
                "--scope", "d", "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for --etcd-cacert: ").contains("none.pem");
        assertThat(run("--etcd", "http://127.0.0.1:2379", "--etcd-user", "root", "--scope", "d", "list"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for --etcd-password: is required with username");
        assertThat(run("--etcd", "127.0.0.1:2379", "--etcd-protocol", "spdy", "--scope", "d", "list"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for --etcd-protocol: must be http or https");
    }

    @Test
    void badEtcdKeysOfTheFileAreUsageErrorsNamingKeyAndFile() throws IOException {
        Path agent = Files.writeString(dir.resolve("node1.yml"), """
                scope: demo
                etcd:
                  hosts: [https://127.0.0.1:2379]
                  cacert: missing-ca.pem
                  username: root
                  password: secret
                """);
        assertThat(run("-c", agent.toString(), "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for etcd.cacert in " + agent + ": ")
                .contains(dir.resolve("missing-ca.pem").toString());

        Path router = Files.writeString(dir.resolve("router.yml"), """
                dcs:
                  etcd: [http://127.0.0.1:2379]
                  scope: demo
                  cert: client.pem
                """);
        assertThat(run("-c", router.toString(), "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for dcs.cert in " + router + ": ");

        // The command line wins: its own CA file is the one at fault.
        assertThat(run("-c", agent.toString(), "--etcd-cacert", dir.resolve("other.pem").toString(), "list"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bad value for --etcd-cacert: ");
    }

    @Test
    void editConfigWithNothingToChangeOrStdinWithoutForce() {
        assertThat(run("--etcd", "http://127.0.0.1:1", "--scope", "d", "edit-config")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("nothing to change");
        assertThat(run("--etcd", "http://127.0.0.1:1", "--scope", "d", "edit-config", "--apply", "-"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("add --force");
    }

    @Test
    void removeChecksTheNameAgainstTheConnection() {
        assertThat(run("--etcd", "http://127.0.0.1:1", "--scope", "demo", "remove", "other")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("remove other: the connection options name cluster demo");
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("list", "topology", "history", "show-config", "edit-config", "switchover",
                "failover", "flush", "pause", "resume", "restart", "reinit", "reload", "remove", "Exit codes");
    }
}

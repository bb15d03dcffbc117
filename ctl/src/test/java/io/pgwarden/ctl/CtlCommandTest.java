package io.pgwarden.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The command line without a cluster: usage errors exit with 2 before anything is contacted. */
class CtlCommandTest {

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
    void httpsEtcdIsRefusedUntilTlsIsPluggedIn() {
        assertThat(run("--etcd", "https://127.0.0.1:2379", "--scope", "d", "list")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("TLS to etcd");
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
                "failover", "pause", "resume", "restart", "reinit", "reload", "remove", "Exit codes");
    }
}

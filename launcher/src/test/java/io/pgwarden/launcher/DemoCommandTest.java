package io.pgwarden.launcher;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {

    private static DemoCommand parse(String... args) {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void threeNodesOnTheUsualPortsByDefault() {
        DemoCommand command = parse();

        assertThat(command.nodeCount()).isEqualTo(3);
        assertThat(command.primaryPort).isEqualTo(5000);
        assertThat(command.replicaPort).isEqualTo(5001);
        assertThat(command.adminPort).isEqualTo(5002);
        assertThat(command.poolMode).isEqualTo("transaction");
    }

    @Test
    void theOldReplicasOptionCountsTheLeaderToo() {
        assertThat(parse("--replicas", "1").nodeCount()).isEqualTo(2);
        assertThat(parse("--nodes", "5").nodeCount()).isEqualTo(5);
    }
}

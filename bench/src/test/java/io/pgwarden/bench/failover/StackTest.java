package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StackTest {

    @Test
    void parsesTheCommandLineNames() {
        assertThat(Stack.parse(" Agents ")).isEqualTo(Stack.AGENTS);
        assertThat(Stack.parse("patroni")).isEqualTo(Stack.PATRONI);
        assertThatThrownBy(() -> Stack.parse("pgwarden")).hasMessageContaining("agents, patroni");
    }

    @Test
    void aSetUpIsNamedByStackAndSynchronousMode() {
        assertThat(Runs.AGENTS.label()).isEqualTo("agents sync");
        assertThat(Runs.PATRONI_ASYNC.label()).isEqualTo("patroni async");
        assertThat(Runs.PATRONI_SYNC.fileName()).isEqualTo("patroni-sync");
    }
}

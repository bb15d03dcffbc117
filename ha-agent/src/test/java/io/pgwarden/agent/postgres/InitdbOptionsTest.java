package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InitdbOptionsTest {

    @Test
    void patroniStyleOptionsBecomeLongOptions() {
        assertThat(InitdbOptions.toArguments(List.of("data-checksums", "encoding=UTF8", "locale=en_US.UTF-8",
                "auth-host=scram-sha-256")))
                .containsExactly("--data-checksums", "--encoding=UTF8", "--locale=en_US.UTF-8",
                        "--auth-host=scram-sha-256");
    }

    @Test
    void valueKeepsEverythingAfterTheFirstEquals() {
        assertThat(InitdbOptions.toArguments(List.of("set=work_mem=8MB"))).containsExactly("--set=work_mem=8MB");
    }

    @Test
    void dashesAndMalformedNamesAreRefused() {
        assertThatThrownBy(() -> InitdbOptions.toArguments(List.of("--data-checksums")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without dashes");
        assertThatThrownBy(() -> InitdbOptions.toArguments(List.of("en coding=UTF8")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsTheAgentSetsItselfAreRefused() {
        for (String option : List.of("pgdata=/elsewhere", "username=bob", "pwfile=/tmp/pw", "pwprompt")) {
            assertThatThrownBy(() -> InitdbOptions.toArguments(List.of(option)))
                    .as(option)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("set by the agent");
        }
    }
}

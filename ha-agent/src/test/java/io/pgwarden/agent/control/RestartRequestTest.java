package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestartRequestTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final ObjectMapper mapper = new ObjectMapper();

    private RestartRequest parse(String json) throws Exception {
        return RestartRequest.parse(mapper.readTree(json.replace('\'', '"')), NOW);
    }

    @Test
    void readsWhatPatronictlSends() throws Exception {
        RestartRequest r = parse("{'restart_pending':true,'postgres_version':'15.9',"
                + "'schedule':'2026-03-01T13:00:00+01:00','timeout':'2min','role':'master'}");
        assertThat(r.restartPending()).isTrue();
        assertThat(r.postgresVersion()).contains(150009);
        assertThat(r.schedule()).contains(OffsetDateTime.parse("2026-03-01T13:00:00+01:00"));
        assertThat(r.timeout()).contains(Duration.ofMinutes(2));
        assertThat(r.role()).contains("primary");
        assertThat(parse("{}")).isEqualTo(RestartRequest.now());
        assertThat(parse("{'timeout':45}").timeout()).contains(Duration.ofSeconds(45));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'schedule':'2026-03-01T13:00:00'}        | 400 | Timezone information is mandatory for the scheduled restart",
            "{'schedule':'tomorrow'}                   | 422 | Unable to parse scheduled timestamp",
            "{'schedule':'2026-03-01T11:00:00Z'}       | 422 | Cannot schedule restart in the past",
            "{'role':'leader'}                         | 400 | PostgreSQL role should be either primary or replica",
            "{'postgres_version':'9.6'}                | 400 | Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 9.6",
            "{'postgres_version':'a.b'}                | 400 | Invalid PostgreSQL version: a.b",
            "{'timeout':0}                             | 400 | Timeout should be a positive number of seconds",
            "{'timeout':'soon'}                        | 400 | Timeout should be a positive number of seconds",
            "{'force':true}                            | 400 | Unknown filter for the scheduled restart: force"})
    void refusesAsPatroniDoes(String json, int code, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ControlException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).startsWith(message);
        });
    }

    @Test
    void versionNumbersAsServerVersionNum() {
        assertThat(RestartRequest.versionNum("9.5.3")).isEqualTo(90503);
        assertThat(RestartRequest.versionNum("10.1")).isEqualTo(100001);
        assertThat(RestartRequest.versionNum("15.12")).isEqualTo(150012);
    }

    @Test
    void conditionsMatchOrSayWhyNot() {
        RestartRequest replicaOnly = new RestartRequest(Optional.empty(), false, Optional.of("replica"),
                Optional.empty(), Optional.empty());
        assertThat(replicaOnly.mismatch("primary", 150005, false)).contains("host role mismatch");
        assertThat(replicaOnly.mismatch("replica", 150005, false)).isEmpty();

        RestartRequest below155 = new RestartRequest(Optional.empty(), false, Optional.empty(), Optional.of(150005),
                Optional.empty());
        assertThat(below155.mismatch("primary", 150005, false)).contains("postgres version mismatch");
        assertThat(below155.mismatch("primary", 150004, false)).isEmpty();

        RestartRequest pending = new RestartRequest(Optional.empty(), true, Optional.empty(), Optional.empty(),
                Optional.empty());
        assertThat(pending.mismatch("replica", 150005, false)).contains("pending restart flag is not set");
        assertThat(pending.mismatch("replica", 150005, true)).isEmpty();
    }
}

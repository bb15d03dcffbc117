package io.pgwarden.ctl.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigValidatorTest {

    private final ConfigDocument document = new ConfigDocument();
    private final ConfigValidator validator = new ConfigValidator();

    private java.util.List<String> problems(String json) {
        return validator.problems(document.parseJson(json));
    }

    @Test
    void patronisDefaultsAndTheTestClustersTimingAreValid() {
        assertThat(problems("{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"maximum_lag_on_failover\":1048576}")).isEmpty();
        assertThat(problems("{\"ttl\":10,\"loop_wait\":2,\"retry_timeout\":3,\"synchronous_mode\":\"on\",\"pause\":true}")).isEmpty();
        assertThat(problems("{}")).isEmpty();
    }

    @Test
    void loopWaitPlusTwiceRetryTimeoutMustNotExceedTtl() {
        assertThat(problems("{\"ttl\":10,\"loop_wait\":5,\"retry_timeout\":3}"))
                .singleElement().asString().contains("loop_wait + 2 * retry_timeout must not exceed ttl")
                .contains("5 + 2 * 3 = 11 > 10");
        assertThat(problems("{\"ttl\":11,\"loop_wait\":5,\"retry_timeout\":3}")).isEmpty();
    }

    @Test
    void missingTimingKeysCountWithPatronisDefaults() {
        assertThat(problems("{\"ttl\":20}")).singleElement().asString().contains("10 + 2 * 10 = 30 > 20")
                .contains("loop_wait, retry_timeout not set: default");
        assertThat(problems("{\"ttl\":30}")).isEmpty();
    }

    @Test
    void typesAndLowerBoundsOfKnownKeys() {
        assertThat(problems("{\"ttl\":\"30\"}")).singleElement().asString().startsWith("ttl: must be a whole number");
        assertThat(problems("{\"ttl\":3}")).singleElement().asString().startsWith("ttl: must be at least 4");
        assertThat(problems("{\"loop_wait\":0}")).anyMatch(p -> p.startsWith("loop_wait: must be at least 1"));
        assertThat(problems("{\"maximum_lag_on_failover\":-1}")).singleElement().asString()
                .startsWith("maximum_lag_on_failover");
        assertThat(problems("{\"pause\":\"yes\"}")).singleElement().asString().startsWith("pause: must be true or false");
        assertThat(problems("{\"synchronous_mode\":\"always\"}")).singleElement().asString().startsWith("synchronous_mode");
        assertThat(problems("{\"synchronous_mode\":true}")).isEmpty();
        assertThat(problems("{\"postgresql\":5}")).singleElement().asString().startsWith("postgresql: must be a mapping");
        assertThat(problems("{\"postgresql\":{\"parameters\":{\"work_mem\":{\"a\":1}}}}")).singleElement().asString()
                .startsWith("postgresql.parameters.work_mem");
        assertThat(problems("{\"postgresql\":{\"use_slots\":\"on\"}}")).singleElement().asString()
                .startsWith("postgresql.use_slots");
    }

    @Test
    void unknownKeysAreLeftToTheAgents() {
        assertThat(problems("{\"slots\":{\"x\":{\"type\":\"physical\"}},\"standby_cluster\":null,\"whatever\":[1]}")).isEmpty();
    }
}

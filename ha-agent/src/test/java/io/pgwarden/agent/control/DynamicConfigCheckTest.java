package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DynamicConfigCheckTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private void check(String json) throws Exception {
        DynamicConfigCheck.check(mapper.readTree(json.replace('\'', '"')));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{}",
            "{'ttl':30,'loop_wait':10,'retry_timeout':10,'maximum_lag_on_failover':1048576}",
            "{'ttl':10,'loop_wait':2,'retry_timeout':4,'pause':true}",
            "{'synchronous_mode':'quorum','synchronous_mode_strict':false,'synchronous_node_count':2}",
            "{'synchronous_mode':true}",
            "{'drain_timeout':2}",
            "{'drain_timeout':0.5}",
            "{'postgresql':{'parameters':{'work_mem':'8MB','max_connections':100,'hot_standby':true},'use_slots':true}}",
            "{'some_patroni_key_the_agent_ignores':{'anything':[1,2]}}"})
    void acceptsWhatAgentsCanRunWith(String json) {
        assertThatCode(() -> check(json)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'ttl':'30'}                                  | bad value for 'ttl': must be a whole number, got \"30\"",
            "{'ttl':2.5}                                   | bad value for 'ttl': must be a whole number",
            "{'ttl':3}                                     | bad value for 'ttl': must be at least 4",
            "{'loop_wait':0}                               | bad value for 'loop_wait': must be at least 1",
            "{'ttl':20,'loop_wait':10,'retry_timeout':10}  | loop_wait + 2 * retry_timeout must not exceed ttl, got loop_wait 10 + 2 * retry_timeout 10 = 30 > ttl 20",
            "{'retry_timeout':15}                          | = 40 > ttl 30",
            "{'maximum_lag_on_failover':-1}                | bad value for 'maximum_lag_on_failover': must be at least 0",
            "{'pause':'yes'}                               | bad value for 'pause': must be true or false",
            "{'synchronous_mode':'sometimes'}              | bad value for 'synchronous_mode'",
            "{'postgresql':[]}                             | bad value for 'postgresql': must be an object",
            "{'postgresql':{'parameters':{'work_mem':{}}}} | bad value for 'postgresql.parameters.work_mem': must be a single value",
            "{'postgresql':{'parameters':{'Port':5433}}}   | bad value for 'postgresql.parameters.Port': each agent sets it itself",
            "{'postgresql':{'use_slots':'no'}}             | bad value for 'postgresql.use_slots'",
            "{'drain_timeout':'5s'}                        | bad value for 'drain_timeout': must be a number of seconds",
            "{'drain_timeout':0}                           | bad value for 'drain_timeout'"})
    void refusesWithTheKeyNamed(String json, String message) {
        assertThatThrownBy(() -> check(json)).isInstanceOf(InvalidConfigException.class).hasMessageContaining(message);
    }
}

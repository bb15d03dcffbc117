package io.pgwarden.ctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {

    private final ConfigDocument document = new ConfigDocument();
    private final ConfigChanges changes = new ConfigChanges(document);
    private final ObjectNode base = document.parseJson(
            "{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"parameters\":{\"work_mem\":\"4MB\"},\"use_slots\":true},\"x\":\"keep\"}");

    @Test
    void valuesAreYamlScalars() {
        ObjectNode changed = changes.set(base, List.of("loop_wait=5", "pause=true", "synchronous_mode=on",
                "maximum_lag_on_failover=1048576", "name='5'", "list=[a, b]"));
        assertThat(changed.get("loop_wait").isInt()).isTrue();
        assertThat(changed.get("loop_wait").intValue()).isEqualTo(5);
        assertThat(changed.get("pause").isBoolean()).isTrue();
        // YAML 1.1, as patronictl reads it: on/off/yes/no are booleans
        assertThat(changed.get("synchronous_mode").booleanValue()).isTrue();
        assertThat(changed.get("maximum_lag_on_failover").longValue()).isEqualTo(1048576);
        assertThat(changed.get("name").textValue()).isEqualTo("5");
        assertThat(changed.get("list").isArray()).isTrue();
        assertThat(base.get("loop_wait").intValue()).as("the original is not touched").isEqualTo(10);
    }

    @Test
    void dottedKeysCreateMappingsAndParameterNamesKeepTheirDots() {
        ObjectNode changed = changes.set(base, List.of("postgresql.parameters.auto_explain.log_min_duration=100",
                "a.b.c=1"));
        assertThat(changed.at("/postgresql/parameters/auto_explain.log_min_duration").intValue()).isEqualTo(100);
        assertThat(changed.at("/postgresql/parameters/work_mem").textValue()).isEqualTo("4MB");
        assertThat(changed.at("/a/b/c").intValue()).isEqualTo(1);
    }

    @Test
    void nullOrNothingRemovesTheKeyAndMappingsLeftEmpty() {
        ObjectNode changed = changes.set(base, List.of("postgresql.parameters.work_mem=null", "x=", "ttl=~"));
        assertThat(changed.has("x")).isFalse();
        assertThat(changed.has("ttl")).isFalse();
        assertThat(changed.at("/postgresql").has("parameters")).isFalse();
        assertThat(changed.at("/postgresql/use_slots").booleanValue()).isTrue();
        assertThat(changes.set(base, List.of("nothing.here=null"))).isEqualTo(base);
    }

    @Test
    void aValueMayHoldEqualsSigns() {
        assertThat(changes.set(base, List.of("x=a=b")).get("x").textValue()).isEqualTo("a=b");
    }

    @Test
    void aPairWithoutEqualsOrKeyIsAUsageError() {
        for (String bad : List.of("loop_wait", "=5", "a..b=1")) {
            assertThatThrownBy(() -> changes.set(base, List.of(bad)))
                    .isInstanceOf(CtlException.class)
                    .satisfies(e -> assertThat(((CtlException) e).exitCode()).isEqualTo(ExitCodes.USAGE));
        }
    }

    @Test
    void applyMergesMappingsReplacesValuesAndRemovesNulls() {
        ObjectNode patch = document.parseYaml("""
                loop_wait: 5
                x: null
                postgresql:
                  parameters:
                    max_connections: 200
                """, "patch");
        ObjectNode changed = changes.apply(base, patch);
        assertThat(changed.get("loop_wait").intValue()).isEqualTo(5);
        assertThat(changed.has("x")).isFalse();
        assertThat(changed.at("/postgresql/parameters/work_mem").textValue()).isEqualTo("4MB");
        assertThat(changed.at("/postgresql/parameters/max_connections").intValue()).isEqualTo(200);
        assertThat(changed.at("/postgresql/use_slots").booleanValue()).isTrue();
    }

    @Test
    void anEmptyYamlFileIsAnEmptyPatchAndAListIsRejected() {
        assertThat(document.parseYaml("", "f")).isEmpty();
        assertThatThrownBy(() -> document.parseYaml("- a\n- b\n", "f.yml")).hasMessageContaining("f.yml is not a YAML mapping");
    }
}

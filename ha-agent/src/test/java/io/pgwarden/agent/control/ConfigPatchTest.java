package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ConfigPatchTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private ObjectNode json(String text) throws Exception {
        return (ObjectNode) mapper.readTree(text.replace('\'', '"'));
    }

    private String patched(String target, String patch) throws Exception {
        ObjectNode t = json(target);
        ConfigPatch.apply(t, json(patch));
        return mapper.writeValueAsString(t).replace('"', '\'');
    }

    @Test
    void patronictlPauseAddsTheKeyAndResumeDeletesIt() throws Exception {
        assertThat(patched("{'ttl':30}", "{'pause':true}")).isEqualTo("{'ttl':30,'pause':true}");
        assertThat(patched("{'ttl':30,'pause':true}", "{'pause':null}")).isEqualTo("{'ttl':30}");
    }

    @Test
    void nestedObjectsMergeKeyByKeyAndKeepTheOthers() throws Exception {
        assertThat(patched("{'postgresql':{'parameters':{'work_mem':'4MB','max_connections':100},'use_slots':true}}",
                "{'postgresql':{'parameters':{'work_mem':'8MB','max_connections':null}}}"))
                .isEqualTo("{'postgresql':{'parameters':{'work_mem':'8MB'},'use_slots':true}}");
    }

    @Test
    void aNewObjectLosesItsNullsAndAnObjectReplacesAScalar() throws Exception {
        assertThat(patched("{'ttl':30}", "{'postgresql':{'parameters':{'a':1,'b':null}}}"))
                .isEqualTo("{'ttl':30,'postgresql':{'parameters':{'a':1}}}");
        assertThat(patched("{'slots':'x'}", "{'slots':{'s1':{'type':'physical'}}}"))
                .isEqualTo("{'slots':{'s1':{'type':'physical'}}}");
    }

    @Test
    void scalarsAndArraysReplaceWhatWasThere() throws Exception {
        assertThat(patched("{'ttl':30,'tags':['a','b'],'o':{'x':1}}", "{'ttl':20,'tags':['c'],'o':5}"))
                .isEqualTo("{'ttl':20,'tags':['c'],'o':5}");
    }

    @Test
    void deletingAnAbsentKeyChangesNothing() throws Exception {
        assertThat(patched("{'ttl':30}", "{'pause':null}")).isEqualTo("{'ttl':30}");
    }
}

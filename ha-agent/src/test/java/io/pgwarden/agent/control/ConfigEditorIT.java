package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.agent.dcs.EtcdDcs;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.local.EtcdServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PATCH and PUT of the config key against a real etcd: checked first, compare-and-swap, no edit lost. */
@Timeout(60)
class ConfigEditorIT {

    private static final PatroniKeys KEYS = PatroniKeys.of("demo");
    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicInteger changes = new AtomicInteger();
    private EtcdServer etcd;
    private EtcdDcs dcs;

    @BeforeEach
    void start() {
        etcd = EtcdServer.start();
        dcs = new EtcdDcs(etcd.clientUrls(), KEYS, "node1", Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        dcs.close();
        etcd.close();
    }

    private JsonNode json(String text) throws Exception {
        return mapper.readTree(text.replace('\'', '"'));
    }

    private JsonNode key() throws Exception {
        return mapper.readTree(etcd.get(KEYS.config()).orElseThrow());
    }

    @Test
    void aPatchMergesIntoTheKeyAndAnswersWithTheResult() throws Exception {
        dcs.put(KEYS.config(), "{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"parameters\":{\"work_mem\":\"4MB\"}}}");
        ConfigEditor editor = new ConfigEditor(new EtcdConfigStore(dcs), changes::incrementAndGet);

        ControlResult paused = editor.patch(json("{'pause':true,'postgresql':{'parameters':{'work_mem':'8MB'}}}"));
        assertThat(paused.code()).isEqualTo(200);
        assertThat(paused.json()).isTrue();
        assertThat(key()).isEqualTo(json("{'ttl':30,'loop_wait':10,'postgresql':{'parameters':{'work_mem':'8MB'}},'pause':true}"));
        assertThat(json(paused.body())).isEqualTo(key());

        assertThat(editor.patch(json("{'pause':null}")).code()).isEqualTo(200);
        assertThat(key().has("pause")).isFalse();
        assertThat(changes).hasValue(2);

        // Nothing to change: nothing written.
        long revision = dcs.getVersioned(KEYS.config()).orElseThrow().modRevision();
        assertThat(editor.patch(json("{'ttl':30}")).code()).isEqualTo(200);
        assertThat(dcs.getVersioned(KEYS.config()).orElseThrow().modRevision()).isEqualTo(revision);
    }

    @Test
    void anInvalidResultIsRefusedAndNothingIsWritten() throws Exception {
        String before = "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10}";
        dcs.put(KEYS.config(), before);
        ConfigEditor editor = new ConfigEditor(new EtcdConfigStore(dcs), changes::incrementAndGet);

        ControlResult tooShort = editor.patch(json("{'ttl':20}"));
        assertThat(tooShort.code()).isEqualTo(400);
        assertThat(tooShort.body()).contains("loop_wait + 2 * retry_timeout must not exceed ttl");
        ControlResult notANumber = editor.replace(json("{'ttl':'thirty'}"));
        assertThat(notANumber.code()).isEqualTo(400);
        assertThat(notANumber.body()).contains("'ttl'");
        assertThat(editor.patch(json("{}")).code()).isEqualTo(400);
        assertThat(etcd.get(KEYS.config())).contains(before);
        assertThat(changes).hasValue(0);
    }

    @Test
    void aConcurrentEditIsKeptAndThePatchIsAppliedOnTopOfIt() throws Exception {
        dcs.put(KEYS.config(), "{\"ttl\":30}");
        EtcdConfigStore real = new EtcdConfigStore(dcs);
        AtomicInteger attempts = new AtomicInteger();
        // Someone else writes the key between this editor's read and its write, once.
        ConfigStore racing = new ConfigStore() {
            @Override
            public Optional<Versioned> read() {
                return real.read();
            }

            @Override
            public boolean replace(String json, long modRevision) {
                if (attempts.getAndIncrement() == 0) {
                    dcs.put(KEYS.config(), "{\"ttl\":30,\"maximum_lag_on_failover\":2048}");
                }
                return real.replace(json, modRevision);
            }

            @Override
            public void put(String json) {
                real.put(json);
            }
        };

        ControlResult result = new ConfigEditor(racing, changes::incrementAndGet).patch(json("{'pause':true}"));

        assertThat(result.code()).isEqualTo(200);
        assertThat(attempts).hasValue(2);
        assertThat(key()).isEqualTo(json("{'ttl':30,'maximum_lag_on_failover':2048,'pause':true}"));
    }

    @Test
    void withoutAKeyAPatchIs503AndAPutWritesIt() throws Exception {
        ConfigEditor editor = new ConfigEditor(new EtcdConfigStore(dcs), changes::incrementAndGet);
        assertThat(editor.patch(json("{'pause':true}")).code()).isEqualTo(503);
        assertThat(editor.replace(json("{'ttl':30,'loop_wait':10}")).code()).isEqualTo(200);
        assertThat(key()).isEqualTo(json("{'ttl':30,'loop_wait':10}"));
    }
}

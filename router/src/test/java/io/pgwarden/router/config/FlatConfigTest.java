package io.pgwarden.router.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FlatConfigTest {

    private final ConfigLoader loader = new ConfigLoader();

    private RouterConfig parse(String yaml) {
        return loader.parse("topology:\n  members:\n    - name: pg0\n      role: primary\n" + yaml, "inline", null);
    }

    @Test
    void keysAreTheFilesAndValuesInItsNotation() {
        Map<String, String> flat = FlatConfig.of(parse("admin:\n  users: [alice, bob]\n"));

        assertThat(flat)
                .containsEntry("listen.primary_port", "5000")
                .containsEntry("topology.members[0].name", "pg0")
                .containsEntry("topology.members[0].role", "primary")
                .containsEntry("auth.hba[0].method", "scram-sha-256")
                .containsEntry("pool.max_prepared_statements", "256")
                .containsEntry("pool.pool_timeout", "30s")
                .containsEntry("pool.idle_timeout", "10m")
                .containsEntry("pool.max_lifetime", "1h")
                .containsEntry("pool.overrides", "[]")
                .containsEntry("limits.max_message_size", "64MB")
                .containsEntry("routing.max_lag", "16MB")
                .containsEntry("dcs.etcd", "[]")
                .containsEntry("admin.users", "[alice, bob]")
                .containsEntry("admin.pause_timeout", "30s")
                .containsEntry("auth.file", "");
    }

    @Test
    void changedKeysAndWhichOfThemAReloadCanApply() {
        RouterConfig before = parse("pool:\n  max_size: 20\n");
        RouterConfig after = parse("pool:\n  max_size: 5\nlisten:\n  primary_port: 6000\n"
                + "auth:\n  hba:\n    - user: bob\n      method: reject\n    - method: md5\n");

        List<String> changed = FlatConfig.changedKeys(FlatConfig.of(before), FlatConfig.of(after));

        assertThat(changed).containsExactlyInAnyOrder("listen.primary_port", "auth.hba[0].user", "auth.hba[0].method",
                "auth.hba[1].database", "auth.hba[1].user", "auth.hba[1].address", "auth.hba[1].method", "auth.hba[1].tls", "pool.max_size");
        assertThat(changed.stream().filter(k -> !FlatConfig.isReloadable(k))).containsExactly("listen.primary_port");
        assertThat(FlatConfig.isReloadable("admin.users")).isTrue();
        assertThat(FlatConfig.isReloadable("admin.http_port")).isFalse();
        assertThat(FlatConfig.isReloadable("dcs.scope")).isFalse();
    }

    @Test
    void valuesOfSecretKeysAreHidden() {
        record Tls(String certFile, String keyPassword) {
        }
        record Section(String password, Tls tls) {
        }
        // The flattener walks any record: a future key that holds a secret must not show it.
        assertThat(FlatConfig.ofRecord(new Section("hunter2", new Tls("/etc/cert.pem", "s3cret"))))
                .containsEntry("password", FlatConfig.HIDDEN)
                .containsEntry("tls.key_password", FlatConfig.HIDDEN)
                .containsEntry("tls.cert_file", "/etc/cert.pem");
    }
}

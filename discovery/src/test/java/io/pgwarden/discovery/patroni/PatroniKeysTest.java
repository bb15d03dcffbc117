package io.pgwarden.discovery.patroni;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PatroniKeysTest {

    @Test
    void pathsUnderTheDefaultNamespace() {
        PatroniKeys keys = PatroniKeys.of("sample");
        assertThat(keys.prefix()).isEqualTo("/service/sample/");
        assertThat(keys.leader()).isEqualTo("/service/sample/leader");
        assertThat(keys.config()).isEqualTo("/service/sample/config");
        assertThat(keys.failover()).isEqualTo("/service/sample/failover");
        assertThat(keys.sync()).isEqualTo("/service/sample/sync");
        assertThat(keys.status()).isEqualTo("/service/sample/status");
        assertThat(keys.leaderOptime()).isEqualTo("/service/sample/optime/leader");
        assertThat(keys.history()).isEqualTo("/service/sample/history");
        assertThat(keys.initialize()).isEqualTo("/service/sample/initialize");
        assertThat(keys.failsafe()).isEqualTo("/service/sample/failsafe");
        assertThat(keys.membersPrefix()).isEqualTo("/service/sample/members/");
        assertThat(keys.member("node1")).isEqualTo("/service/sample/members/node1");
    }

    @Test
    void namespaceSlashesAreNormalisedLikePatroni() {
        assertThat(new PatroniKeys("service", "c").prefix()).isEqualTo("/service/c/");
        assertThat(new PatroniKeys("/service", "c").prefix()).isEqualTo("/service/c/");
        assertThat(new PatroniKeys("//pg//", "c").prefix()).isEqualTo("/pg/c/");
        assertThat(new PatroniKeys("/", "c").prefix()).isEqualTo("/c/");
        assertThat(new PatroniKeys("service", "c")).isEqualTo(new PatroniKeys("/service/", "c"));
    }

    @Test
    void relativeAndMemberNames() {
        PatroniKeys keys = PatroniKeys.of("sample");
        assertThat(keys.relative("/service/sample/leader")).contains("leader");
        assertThat(keys.relative("/service/sample2/leader")).isEmpty();
        assertThat(keys.relative("/service/sample/")).isEmpty();
        assertThat(keys.memberName("/service/sample/members/node1")).contains("node1");
        assertThat(keys.memberName("/service/sample/members/")).isEmpty();
        assertThat(keys.memberName("/service/sample/members/a/b")).isEmpty();
        assertThat(keys.memberName("/service/sample/leader")).isEmpty();
    }

    @Test
    void rejectsNamesThatWouldEscapeTheLayout() {
        assertThatThrownBy(() -> PatroniKeys.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PatroniKeys.of("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PatroniKeys.of("c").member("x/y")).isInstanceOf(IllegalArgumentException.class);
    }
}

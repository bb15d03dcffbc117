package io.pgwarden.router.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.router.config.RouterConfig.HbaEntry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HbaRulesTest {

    private static final InetAddress LOCAL = address("127.0.0.1");
    private static final InetAddress LAN = address("10.1.2.3");
    private static final InetAddress LOCAL6 = address("::1");

    @Test
    void firstMatchingRuleDecides() {
        HbaRules rules = rules(
                new HbaEntry("all", "admin", "all", "reject"),
                new HbaEntry("all", "all", "127.0.0.1/32", "trust"),
                new HbaEntry("all", "all", "10.0.0.0/8", "md5"),
                new HbaEntry("all", "all", "all", "scram-sha-256"));

        assertThat(rules.methodFor("app", "admin", LOCAL)).contains(AuthMethod.REJECT);
        assertThat(rules.methodFor("app", "alice", LOCAL)).contains(AuthMethod.TRUST);
        assertThat(rules.methodFor("app", "alice", LAN)).contains(AuthMethod.MD5);
        assertThat(rules.methodFor("app", "alice", LOCAL6)).contains(AuthMethod.SCRAM_SHA_256);
    }

    @Test
    void orderMattersNotSpecificity() {
        HbaRules broadFirst = rules(
                new HbaEntry("all", "all", "all", "md5"),
                new HbaEntry("app", "alice", "127.0.0.1", "trust"));

        assertThat(broadFirst.methodFor("app", "alice", LOCAL)).contains(AuthMethod.MD5);
    }

    @Test
    void noMatchingRuleMeansNoMethod() {
        HbaRules rules = rules(new HbaEntry("app", "all", "10.0.0.0/8", "trust"));

        assertThat(rules.methodFor("app", "alice", LOCAL)).isEmpty();
        assertThat(rules.methodFor("other", "alice", LAN)).isEmpty();
        assertThat(new HbaRules(List.of()).methodFor("app", "alice", LOCAL)).isEmpty();
    }

    @Test
    void listsAreCommaSeparatedAndTrimmed() {
        HbaRules rules = rules(
                new HbaEntry("app, reports", "alice,bob", "all", "trust"),
                new HbaEntry("all", "all", "all", "reject"));

        assertThat(rules.methodFor("reports", "bob", LOCAL)).contains(AuthMethod.TRUST);
        assertThat(rules.methodFor("app", "alice", LOCAL)).contains(AuthMethod.TRUST);
        assertThat(rules.methodFor("app", "carol", LOCAL)).contains(AuthMethod.REJECT);
        assertThat(rules.methodFor("postgres", "alice", LOCAL)).contains(AuthMethod.REJECT);
    }

    @Test
    void namesAreCaseSensitive() {
        HbaRules rules = rules(new HbaEntry("app", "Alice", "all", "trust"));

        assertThat(rules.methodFor("app", "Alice", LOCAL)).contains(AuthMethod.TRUST);
        assertThat(rules.methodFor("app", "alice", LOCAL)).isEmpty();
        assertThat(rules.methodFor("APP", "Alice", LOCAL)).isEmpty();
    }

    @Test
    void ipv4RuleDoesNotMatchIpv6Client() {
        HbaRules rules = rules(
                new HbaEntry("all", "all", "127.0.0.1/32", "trust"),
                new HbaEntry("all", "all", "::1/128", "md5"));

        assertThat(rules.methodFor("app", "alice", LOCAL)).contains(AuthMethod.TRUST);
        assertThat(rules.methodFor("app", "alice", LOCAL6)).contains(AuthMethod.MD5);
    }

    @Test
    void defaultEntryIsScramForEveryone() {
        HbaRules rules = rules(new HbaEntry(null, null, null, null));

        assertThat(rules.methodFor("any", "one", LAN)).contains(AuthMethod.SCRAM_SHA_256);
    }

    @Test
    void methodNamesAreThoseOfPgHba() {
        assertThat(AuthMethod.parse("SCRAM-SHA-256")).isEqualTo(AuthMethod.SCRAM_SHA_256);
        assertThat(AuthMethod.parse("Trust")).isEqualTo(AuthMethod.TRUST);
        assertThatThrownBy(() -> AuthMethod.parse("password")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'password'");
        assertThatThrownBy(() -> AuthMethod.parse("peer")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsRulesMatchOnlyClientsOnTlsAndNoTlsRulesOnlyPlainOnes() {
        HbaRules rules = rules(
                new HbaEntry("secure", "all", "all", "scram-sha-256", true),
                new HbaEntry("secure", "all", "all", "reject", false),
                new HbaEntry("all", "all", "all", "md5", null));

        assertThat(rules.methodFor("secure", "alice", LAN, true)).contains(AuthMethod.SCRAM_SHA_256);
        assertThat(rules.methodFor("secure", "alice", LAN, false)).contains(AuthMethod.REJECT);
        assertThat(rules.methodFor("app", "alice", LAN, true)).contains(AuthMethod.MD5);
        assertThat(rules.methodFor("app", "alice", LAN, false)).contains(AuthMethod.MD5);
        // Without a transport, a client counts as plain.
        assertThat(rules.methodFor("secure", "alice", LAN)).contains(AuthMethod.REJECT);
    }

    private static HbaRules rules(HbaEntry... entries) {
        return new HbaRules(Arrays.stream(entries).map(HbaRule::from).toList());
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

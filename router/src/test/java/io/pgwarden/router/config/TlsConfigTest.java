package io.pgwarden.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code tls} section and the {@code server.tls*} keys. */
class TlsConfigTest {

    private static final String MEMBERS = ConfigTestFiles.ONE_PRIMARY;

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void tlsIsOffOnBothSidesByDefault() throws IOException {
        RouterConfig config = loader.load(write(MEMBERS));

        assertThat(config.tls()).isEqualTo(new RouterConfig.Tls("disable", null, null, null, null, null));
        assertThat(config.tls().enabled()).isFalse();
        assertThat(config.server().tls()).isEqualTo("disable");
        assertThat(config.server().tlsCaFile()).isNull();
    }

    @Test
    void readsEveryKeyWithPathsRelativeToTheConfigFolder() throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        for (String file : new String[] {"router.crt", "router.key", "clients-ca.crt", "pg-ca.crt"}) {
            Files.writeString(etc.resolve(file), "");
        }
        Path file = etc.resolve("router.yml");
        Files.writeString(file, MEMBERS + """
                tls:
                  mode: allow
                  primary_mode: require
                  cert_file: router.crt
                  key_file: router.key
                  ca_file: clients-ca.crt
                server:
                  tls: verify-full
                  tls_ca_file: pg-ca.crt
                auth:
                  hba:
                    - tls: true
                      method: md5
                    - tls: false
                      method: reject
                """);

        RouterConfig config = loader.load(file);

        Path base = etc.toAbsolutePath();
        assertThat(config.tls()).isEqualTo(new RouterConfig.Tls("allow", "require", null,
                base.resolve("router.crt"), base.resolve("router.key"), base.resolve("clients-ca.crt")));
        assertThat(config.tls().effectivePrimaryMode()).isEqualTo("require");
        assertThat(config.tls().effectiveReplicaMode()).isEqualTo("allow");
        assertThat(config.server().tls()).isEqualTo("verify-full");
        assertThat(config.server().tlsCaFile()).isEqualTo(base.resolve("pg-ca.crt"));
        assertThat(config.auth().hba()).extracting(RouterConfig.HbaEntry::tls).containsExactly(true, false);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            tls:\\n  mode: on                                       | tls.mode           | got 'on'
            tls:\\n  replica_mode: prefer                           | tls.replica_mode   | [disable, allow, require]
            tls:\\n  mode: allow                                    | tls.cert_file      | is required
            tls:\\n  primary_mode: require                          | tls.cert_file      | is required
            tls:\\n  mode: require\\n  cert_file: c.crt              | tls.key_file       | is required
            tls:\\n  mode: require\\n  cert_file: no.crt\\n  key_file: k.key | tls.cert_file | no.crt
            tls:\\n  ca_file: nowhere.crt                           | tls.ca_file        | nowhere.crt
            server:\\n  tls: verify-ca                              | server.tls         | [disable, prefer, require, verify-full]
            server:\\n  tls: require\\n  tls_ca_file: c.crt          | server.tls_ca_file | only with server.tls: verify-full
            server:\\n  tls: verify-full\\n  tls_ca_file: none.crt   | server.tls_ca_file | none.crt
            """)
    void badValueIsNamedWithItsKeyAndFile(String yaml, String key, String detail) throws IOException {
        Files.writeString(dir.resolve("c.crt"), "");
        Files.writeString(dir.resolve("k.key"), "");
        Path file = write(MEMBERS + yaml.replace("\\n", "\n"));

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": bad value for key '" + key + "': ")
                .hasMessageContaining(detail);
    }

    @Test
    void aDisabledPortNeedsNoCertificate() throws IOException {
        RouterConfig config = loader.load(write(MEMBERS + "tls:\n  mode: disable\n  replica_mode: disable\n"));

        assertThat(config.tls().enabled()).isFalse();
    }

    private Path write(String yaml) throws IOException {
        return ConfigTestFiles.write(dir, "router.yml", yaml);
    }
}

package io.pgwarden.agent.config;

import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the config tests that name TLS files share: throw-away certificates made once per test class
 * (openssl is slow), a node file writer in a fresh temp dir per test, and the loader.
 */
abstract class ConfigWithCertificates {

    static TestCertificates certs;

    @TempDir
    Path dir;

    AgentConfigFiles files;
    final AgentConfigLoader loader = new AgentConfigLoader();

    @BeforeAll
    static void createCertificates() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() {
        certs.close();
    }

    @BeforeEach
    void newFiles() {
        files = new AgentConfigFiles(dir);
    }
}

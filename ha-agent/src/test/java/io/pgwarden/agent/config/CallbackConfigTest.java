package io.pgwarden.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code postgresql.callbacks} and {@code postgresql.callback_timeout}. */
class CallbackConfigTest {

    @TempDir
    Path dir;

    private AgentConfigFiles files;
    private final AgentConfigLoader loader = new AgentConfigLoader();
    private Path script;

    @BeforeEach
    void setUp() throws IOException {
        files = new AgentConfigFiles(dir);
        script = dir.resolve("cb.sh");
        Files.writeString(script, "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void everyPatroniCallbackKeyIsReadWithItsArgumentsAndTheDefaultTimeout() {
        AgentConfig config = loader.load(files.node(
                "postgresql.callbacks.on_start", script + " --tag 'a b'",
                "postgresql.callbacks.on_stop", script.toString(),
                "postgresql.callbacks.on_restart", script.toString(),
                "postgresql.callbacks.on_role_change", "true"));

        assertThat(config.postgresql().callbacks().byKey()).containsExactly(
                java.util.Map.entry("on_start", script + " --tag 'a b'"),
                java.util.Map.entry("on_stop", script.toString()),
                java.util.Map.entry("on_restart", script.toString()),
                java.util.Map.entry("on_role_change", "true"));
        assertThat(config.postgresql().callbackTimeout()).isEqualTo(60);
    }

    @Test
    void noCallbacksByDefault() {
        assertThat(loader.load(files.node()).postgresql().callbacks().byKey()).isEmpty();
    }

    @Test
    void aMissingScriptIsAnErrorNamingTheKeyAndTheFile() {
        Path missing = dir.resolve("nowhere.sh");
        Path file = files.node("postgresql.callbacks.on_role_change", missing + " x");

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("postgresql.callbacks.on_role_change")
                .hasMessageContaining(missing + " does not exist");
    }

    @Test
    void aScriptThatCannotBeExecutedIsRefused() throws IOException {
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        Path file = files.node("postgresql.callbacks.on_start", script.toString());

        assertThatThrownBy(() -> loader.load(file)).hasMessageContaining("postgresql.callbacks.on_start")
                .hasMessageContaining(script + " is not executable");
    }

    @Test
    void aRelativeScriptPathOrAnUnknownCommandIsRefused() {
        assertThatThrownBy(() -> loader.load(files.node("postgresql.callbacks.on_stop", "./cb.sh")))
                .hasMessageContaining("postgresql.callbacks.on_stop").hasMessageContaining("absolute path");
        assertThatThrownBy(() -> loader.load(files.node("postgresql.callbacks.on_stop", "no-such-command-pgw")))
                .hasMessageContaining("postgresql.callbacks.on_stop").hasMessageContaining("not on PATH");
    }

    @Test
    void anUnterminatedQuoteIsRefused() {
        assertThatThrownBy(() -> loader.load(files.node("postgresql.callbacks.on_start", script + " 'x")))
                .hasMessageContaining("postgresql.callbacks.on_start").hasMessageContaining("unterminated");
    }

    @Test
    void anUnknownCallbackKeyIsNamed() {
        Path file = files.node("postgresql.callbacks.on_reload", script.toString());

        assertThatThrownBy(() -> loader.load(file)).hasMessage(file + ": unknown key 'postgresql.callbacks.on_reload'");
    }

    @Test
    void theTimeoutMustBeAtLeastOneSecond() {
        assertThat(loader.load(files.node("postgresql.callback_timeout", 5)).postgresql().callbackTimeout()).isEqualTo(5);
        assertThatThrownBy(() -> loader.load(files.node("postgresql.callback_timeout", 0)))
                .hasMessageContaining("postgresql.callback_timeout");
    }
}

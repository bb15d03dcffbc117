package io.pgwarden.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes agent config files for tests: a minimal valid node, changed one dotted key at a time, and a
 * bin_dir whose pg_ctl is a stub, so the rules are tested without depending on where PostgreSQL lives.
 */
final class AgentConfigFiles {

    /** As a value: drop the key from the minimal file. */
    static final Object REMOVED = new Object();

    static final Path REAL_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dir;

    AgentConfigFiles(Path dir) {
        this.dir = dir;
    }

    /** A directory holding an executable (empty) pg_ctl. */
    Path fakeBinDir() {
        Path bin = dir.resolve("bin");
        Path pgCtl = bin.resolve("pg_ctl");
        try {
            if (!Files.exists(pgCtl)) {
                Files.createDirectories(bin);
                Files.writeString(pgCtl, "#!/bin/sh\nexit 0\n");
                Files.setPosixFilePermissions(pgCtl, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bin;
    }

    /** The minimal valid node with {@code dottedKey, value} pairs applied, written to node.yml. */
    Path node(Object... pairs) {
        Map<String, Object> tree = new LinkedHashMap<>();
        put(tree, "name", "n1");
        put(tree, "scope", "demo");
        put(tree, "postgresql.data_dir", "/var/lib/pgwarden/n1");
        put(tree, "postgresql.bin_dir", fakeBinDir().toString());
        for (int i = 0; i < pairs.length; i += 2) {
            put(tree, (String) pairs[i], pairs[i + 1]);
        }
        try {
            return write("node.yml", new YAMLMapper().writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> tree, String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        if (value == REMOVED) {
            node.remove(parts[parts.length - 1]);
        } else {
            node.put(parts[parts.length - 1], value);
        }
    }
}

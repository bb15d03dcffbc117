package io.pgwarden.router.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the config tests share: the smallest topology a config needs, and writing a YAML file. */
final class ConfigTestFiles {

    /** One primary, everything else at its default. */
    static final String ONE_PRIMARY = """
            topology:
              members:
                - name: pg0
                  role: primary
            """;

    private ConfigTestFiles() {
    }

    static Path write(Path dir, String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }
}

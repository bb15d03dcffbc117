package io.pgwarden.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MarkdownSectionTest {

    private final MarkdownSection section = new MarkdownSection("throughput");

    @Test
    void replacesOnlyTheTextBetweenTheMarkers() {
        String document = """
                # Benchmarks

                Hand-written intro.

                <!-- throughput:start -->
                old table
                <!-- throughput:end -->

                Hand-written outro.
                """;

        assertThat(section.replace(document, "new table\n")).isEqualTo("""
                # Benchmarks

                Hand-written intro.

                <!-- throughput:start -->
                new table
                <!-- throughput:end -->

                Hand-written outro.
                """);
    }

    @Test
    void replacingTwiceGivesTheSameDocument() {
        String once = section.replace("# Benchmarks\n", "table");

        assertThat(section.replace(once, "table")).isEqualTo(once);
    }

    @Test
    void leavesOtherSectionsAlone() {
        String document = "<!-- failover:start -->\nfailover\n<!-- failover:end -->\n"
                + "<!-- throughput:start -->\nold\n<!-- throughput:end -->\n";

        assertThat(section.replace(document, "new")).isEqualTo(
                "<!-- failover:start -->\nfailover\n<!-- failover:end -->\n"
                        + "<!-- throughput:start -->\nnew\n<!-- throughput:end -->\n");
    }

    @Test
    void appendsTheSectionWhenMissing() {
        assertThat(section.replace("# Benchmarks\n", "table\n"))
                .isEqualTo("# Benchmarks\n\n<!-- throughput:start -->\ntable\n<!-- throughput:end -->\n");
        assertThat(section.replace("# Benchmarks", "table\n"))
                .isEqualTo("# Benchmarks\n\n<!-- throughput:start -->\ntable\n<!-- throughput:end -->\n");
        assertThat(section.replace("", "table\n"))
                .isEqualTo("<!-- throughput:start -->\ntable\n<!-- throughput:end -->\n");
    }

    @Test
    void refusesUnpairedOrMisorderedOrRepeatedMarkers() {
        assertThatThrownBy(() -> section.replace("<!-- throughput:start -->\nrest of the doc\n", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without <!-- throughput:end -->");
        assertThatThrownBy(() -> section.replace("x\n<!-- throughput:end -->\n", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without <!-- throughput:start -->");
        assertThatThrownBy(() -> section.replace("<!-- throughput:end -->\n<!-- throughput:start -->\n", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("comes before");
        assertThatThrownBy(() -> section.replace("<!-- throughput:start -->\n<!-- throughput:end -->\n"
                + "<!-- throughput:start -->\n<!-- throughput:end -->\n", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than once");
    }

    @Test
    void createsTheFileWithATitle(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("docs/benchmarks.md");

        section.replaceIn(file, "pgwarden benchmarks", "table\n");

        assertThat(file).hasContent("# pgwarden benchmarks\n\n<!-- throughput:start -->\ntable\n<!-- throughput:end -->\n");
    }

    @Test
    void updatesAFileInPlace(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("benchmarks.md");
        Files.writeString(file, "intro\n<!-- throughput:start -->\nold\n<!-- throughput:end -->\noutro\n");

        section.replaceIn(file, "ignored", "new\n");

        assertThat(file).hasContent("intro\n<!-- throughput:start -->\nnew\n<!-- throughput:end -->\noutro\n");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void theFileKeepsItsPermissionsAndANewOneIsReadableByAll(@TempDir Path dir) throws IOException {
        Path existing = dir.resolve("benchmarks.md");
        Files.writeString(existing, "x\n");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-rw-r--"));
        Path created = dir.resolve("new.md");

        section.replaceIn(existing, "t", "y\n");
        section.replaceIn(created, "t", "y\n");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(existing))).isEqualTo("rw-rw-r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rw-r--r--");
    }

    @Test
    void refusesNamesThatWouldBreakTheMarkers() {
        assertThatThrownBy(() -> new MarkdownSection("a -->")).isInstanceOf(IllegalArgumentException.class);
    }
}

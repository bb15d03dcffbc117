package io.pgwarden.bench.report;

import io.pgwarden.bench.report.MarkdownTable.Align;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MarkdownTableTest {

    @Test
    void padsColumnsAndAlignsNumbersRight() {
        MarkdownTable table = new MarkdownTable(List.of("target", "TPS"), List.of(Align.LEFT, Align.RIGHT))
                .addRow(List.of("direct", "12345"))
                .addRow(List.of("pgwarden", "987"));

        assertThat(table.render()).isEqualTo("""
                | target   |   TPS |
                | -------- | ----: |
                | direct   | 12345 |
                | pgwarden |   987 |
                """);
    }

    @Test
    void escapesPipesInCells() {
        MarkdownTable table = new MarkdownTable(List.of("a"), List.of(Align.LEFT)).addRow(List.of("x|y"));

        assertThat(table.render()).contains("| x\\|y |");
    }

    @Test
    void rejectsRowsOfTheWrongWidth() {
        MarkdownTable table = new MarkdownTable(List.of("a", "b"), List.of(Align.LEFT, Align.LEFT));

        assertThatThrownBy(() -> table.addRow(List.of("1"))).isInstanceOf(IllegalArgumentException.class);
    }
}

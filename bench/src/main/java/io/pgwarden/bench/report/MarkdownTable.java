package io.pgwarden.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A GitHub-flavoured Markdown table with padded columns, so it also reads well as plain text. */
public final class MarkdownTable {

    public enum Align { LEFT, RIGHT }

    private final List<String> headers;
    private final List<Align> aligns;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(List<String> headers, List<Align> aligns) {
        if (headers.size() != aligns.size()) {
            throw new IllegalArgumentException(headers.size() + " headers but " + aligns.size() + " alignments");
        }
        this.headers = List.copyOf(headers);
        this.aligns = List.copyOf(aligns);
    }

    public MarkdownTable addRow(List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, table has " + headers.size()
                    + " columns: " + cells);
        }
        rows.add(cells.stream().map(c -> Objects.requireNonNull(c, "cell").replace("|", "\\|")).toList());
        return this;
    }

    /** The table, one line per row, each line ending in a newline. */
    public String render() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(3, headers.get(i).length());
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, widths);
        out.append('|');
        for (int i = 0; i < widths.length; i++) {
            out.append(' ').append(aligns.get(i) == Align.RIGHT ? "-".repeat(widths[i] - 1) + ":" : "-".repeat(widths[i]))
                    .append(" |");
        }
        out.append('\n');
        for (List<String> row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    private void line(StringBuilder out, List<String> cells, int[] widths) {
        out.append('|');
        for (int i = 0; i < widths.length; i++) {
            String cell = cells.get(i);
            String pad = " ".repeat(widths[i] - cell.length());
            out.append(' ').append(aligns.get(i) == Align.RIGHT ? pad + cell : cell + pad).append(" |");
        }
        out.append('\n');
    }
}

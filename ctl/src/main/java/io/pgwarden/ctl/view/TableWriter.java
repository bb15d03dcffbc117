package io.pgwarden.ctl.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a {@link Table}: a bordered table for people; for scripts a JSON or YAML list of objects keyed
 * by column name (empty cells left out, as patronictl does), or tab-separated lines with a header.
 */
public final class TableWriter {

    private final ObjectMapper json = JsonMapper.builder().build();
    private final ObjectMapper yaml = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    public String format(Table table, OutputFormat format) {
        return switch (format) {
            case PRETTY -> pretty(table);
            case TSV -> tsv(table);
            case JSON -> write(json, objects(table)) + "\n";
            case YAML -> objects(table).isEmpty() ? "[]\n" : write(yaml, objects(table));
        };
    }

    private static List<Map<String, Object>> objects(Table table) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (List<Object> row : table.rows()) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (int i = 0; i < table.columns().size(); i++) {
                Object cell = row.get(i);
                if (cell != null && !cell.toString().isEmpty()) {
                    object.put(table.columns().get(i), cell);
                }
            }
            objects.add(object);
        }
        return objects;
    }

    private static String tsv(Table table) {
        StringBuilder text = new StringBuilder(String.join("\t", table.columns())).append('\n');
        for (List<Object> row : table.rows()) {
            List<String> cells = new ArrayList<>();
            row.forEach(c -> cells.add(cell(c).replace('\t', ' ').replace('\n', ' ')));
            text.append(String.join("\t", cells)).append('\n');
        }
        return text.toString();
    }

    private static String pretty(Table table) {
        List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < table.columns().size(); i++) {
            if (!table.prettyHidden().contains(table.columns().get(i))) {
                shown.add(i);
            }
        }
        int[] widths = new int[shown.size()];
        for (int s = 0; s < shown.size(); s++) {
            int i = shown.get(s);
            widths[s] = table.columns().get(i).length();
            for (List<Object> row : table.rows()) {
                widths[s] = Math.max(widths[s], cell(row.get(i)).length());
            }
        }
        String border = border(widths);
        String top = border;
        if (table.title().isPresent() && widths.length > 0) {
            String title = "+ " + table.title().get() + " ";
            if (title.length() + 1 > border.length()) { // widen the last column until the title fits
                widths[widths.length - 1] += title.length() + 1 - border.length();
                border = border(widths);
            }
            top = title + border.substring(title.length()).replace('+', '-');
            top = top.substring(0, top.length() - 1) + "+";
        }
        StringBuilder text = new StringBuilder(top).append('\n');
        List<String> header = new ArrayList<>();
        shown.forEach(i -> header.add(table.columns().get(i)));
        line(text, header, widths, List.of());
        text.append(border).append('\n');
        for (List<Object> row : table.rows()) {
            List<String> cells = new ArrayList<>();
            List<Boolean> right = new ArrayList<>();
            for (int i : shown) {
                cells.add(cell(row.get(i)));
                right.add(table.rightAligned().contains(table.columns().get(i)));
            }
            line(text, cells, widths, right);
        }
        text.append(border).append('\n');
        return text.toString();
    }

    private static void line(StringBuilder text, List<String> cells, int[] widths, List<Boolean> right) {
        text.append('|');
        for (int s = 0; s < cells.size(); s++) {
            String c = cells.get(s);
            String pad = " ".repeat(widths[s] - c.length());
            boolean alignRight = !right.isEmpty() && right.get(s);
            text.append(' ').append(alignRight ? pad + c : c + pad).append(" |");
        }
        text.append('\n');
    }

    private static String border(int[] widths) {
        StringBuilder border = new StringBuilder("+");
        for (int w : widths) {
            border.append("-".repeat(w + 2)).append('+');
        }
        return border.toString();
    }

    private static String cell(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print the table: " + e.getMessage(), e);
        }
    }
}

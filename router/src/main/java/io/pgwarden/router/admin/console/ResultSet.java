package io.pgwarden.router.admin.console;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What one console command answers: columns and rows (none for commands like PAUSE) and the
 * command tag. Values are text, as the simple query protocol sends them; null is SQL NULL.
 */
public record ResultSet(List<Column> columns, List<List<String>> rows, String tag) {

    /** The PostgreSQL types the console uses; clients align and parse by them. */
    public enum Type {
        TEXT(25, -1), BIGINT(20, 8), BOOLEAN(16, 1);

        final int oid;
        final short size;

        Type(int oid, int size) {
            this.oid = oid;
            this.size = (short) size;
        }
    }

    public record Column(String name, Type type) {
        public Column {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    public ResultSet {
        columns = List.copyOf(columns);
        rows = rows.stream().map(r -> Collections.unmodifiableList(new ArrayList<>(r))).toList();
        Objects.requireNonNull(tag, "tag");
        for (List<String> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " values for " + columns.size() + " columns");
            }
        }
    }

    /** The answer of a command that returns no rows. */
    public static ResultSet tagOnly(String tag) {
        return new ResultSet(List.of(), List.of(), tag);
    }

    public static Builder builder(String tag) {
        return new Builder(tag);
    }

    /** Collects columns, then rows whose values are turned to text ({@code true} as {@code t}, as PostgreSQL does). */
    public static final class Builder {
        private final String tag;
        private final List<Column> columns = new ArrayList<>();
        private final List<List<String>> rows = new ArrayList<>();

        private Builder(String tag) {
            this.tag = tag;
        }

        public Builder text(String... names) {
            Arrays.stream(names).forEach(n -> columns.add(new Column(n, Type.TEXT)));
            return this;
        }

        public Builder bigint(String... names) {
            Arrays.stream(names).forEach(n -> columns.add(new Column(n, Type.BIGINT)));
            return this;
        }

        public Builder bool(String... names) {
            Arrays.stream(names).forEach(n -> columns.add(new Column(n, Type.BOOLEAN)));
            return this;
        }

        public Builder row(Object... values) {
            List<String> row = new ArrayList<>(values.length);
            for (Object value : values) {
                row.add(value == null ? null : value instanceof Boolean b ? (b ? "t" : "f") : value.toString());
            }
            rows.add(row);
            return this;
        }

        public ResultSet build() {
            return new ResultSet(columns, rows, tag);
        }
    }
}

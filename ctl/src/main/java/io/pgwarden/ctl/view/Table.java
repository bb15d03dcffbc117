package io.pgwarden.ctl.view;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Rows to print. A cell is a String, a Number or null (empty).
 *
 * @param title        shown in the top border of the pretty form
 * @param columns      column names; also the keys of the JSON and YAML forms
 * @param rows         one list of cells per row, as many as there are columns
 * @param rightAligned columns aligned right in the pretty form (numbers)
 * @param prettyHidden columns the pretty form leaves out (because the title says it)
 */
public record Table(Optional<String> title, List<String> columns, List<List<Object>> rows, Set<String> rightAligned,
                    Set<String> prettyHidden) {

    public Table {
        Objects.requireNonNull(title, "title");
        columns = List.copyOf(columns);
        List<List<Object>> copied = new ArrayList<>();
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " cells for " + columns.size() + " columns");
            }
            copied.add(Collections.unmodifiableList(new ArrayList<>(row))); // cells may be null
        }
        rows = List.copyOf(copied);
        rightAligned = Set.copyOf(rightAligned);
        prettyHidden = Set.copyOf(prettyHidden);
    }
}

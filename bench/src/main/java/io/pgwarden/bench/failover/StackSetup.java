package io.pgwarden.bench.failover;

import java.util.Locale;
import java.util.Objects;

/**
 * One cluster set-up the scenarios run on: a stack and whether it runs with {@code synchronous_mode}.
 * The report has a row group per set-up.
 */
public record StackSetup(Stack stack, boolean synchronous) {

    public StackSetup {
        Objects.requireNonNull(stack, "stack");
    }

    /** {@code agents sync}, {@code patroni async}: in tables, plot titles and log lines. */
    public String label() {
        return stack.cliName() + (synchronous ? " sync" : " async");
    }

    /** {@code agents-sync}: in directory names. */
    public String fileName() {
        return label().replace(' ', '-').toLowerCase(Locale.ROOT);
    }
}

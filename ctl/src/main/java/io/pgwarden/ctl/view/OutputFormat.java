package io.pgwarden.ctl.view;

import io.pgwarden.ctl.CtlException;

import java.util.Locale;

/** How tables are printed: for people ({@code pretty}), or for scripts ({@code json}, {@code yaml}, {@code tsv}). */
public enum OutputFormat {
    PRETTY, JSON, YAML, TSV;

    /** @throws CtlException (usage) for any other name */
    public static OutputFormat parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw CtlException.usage("--format must be pretty, json, yaml or tsv, not '" + text + "'");
        }
    }
}

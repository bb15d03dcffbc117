package io.pgwarden.ctl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a command writes its results (out), its messages and prompts (err, so that results can be
 * piped), and where it reads answers to prompts (in).
 */
public final class Terminal {

    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter err;

    public Terminal(BufferedReader in, PrintWriter out, PrintWriter err) {
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** The process's standard streams. */
    public static Terminal system() {
        return of(System.in, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    }

    public static Terminal of(InputStream in, Writer out, Writer err) {
        return new Terminal(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
                out instanceof PrintWriter p ? p : new PrintWriter(out, true),
                err instanceof PrintWriter p ? p : new PrintWriter(err, true));
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /** Standard input, for {@code --apply -}. */
    public BufferedReader in() {
        return in;
    }

    /** Asks on err and reads one line; empty at the end of input. */
    public Optional<String> ask(String question) {
        err.print(question);
        err.flush();
        try {
            String line = in.readLine();
            return Optional.ofNullable(line).map(String::strip);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the answer", e);
        }
    }

    /** A yes/no question; anything but y or yes (or no answer at all) is no. */
    public boolean confirm(String question) {
        return ask(question + " [y/N] ").map(a -> a.equalsIgnoreCase("y") || a.equalsIgnoreCase("yes")).orElse(false);
    }

    /** Stops with exit code 1 unless the user confirms. */
    public void requireConfirmation(String question, String abortedWhat) {
        if (!confirm(question)) {
            throw CtlException.failed("aborted: " + abortedWhat + " (nothing was done; --force skips this question)");
        }
    }
}

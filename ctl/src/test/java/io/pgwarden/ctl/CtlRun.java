package io.pgwarden.ctl;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code pgwarden ctl} in this JVM, as the launcher does, with the given stdin; captures the rest. */
record CtlRun(int exit, String out, String err) {

    static CtlRun of(String stdin, List<String> connection, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Terminal terminal = Terminal.of(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        List<String> all = new ArrayList<>(connection);
        all.addAll(List.of(args));
        int exit = CtlCommand.commandLine(terminal).execute(all.toArray(String[]::new));
        return new CtlRun(exit, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}

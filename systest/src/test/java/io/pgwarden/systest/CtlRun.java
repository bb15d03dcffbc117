package io.pgwarden.systest;

import io.pgwarden.ctl.CtlCommand;
import io.pgwarden.ctl.Terminal;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One {@code pgwarden ctl} run in this JVM: its exit code and what it printed. */
record CtlRun(int exit, String out, String err) {

    private static final Logger LOG = LoggerFactory.getLogger(CtlRun.class);

    /** Runs ctl with {@code options} then {@code args}, {@code stdin} as its input. */
    static CtlRun of(String stdin, List<String> options, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Terminal terminal = Terminal.of(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(args));
        int exit = CtlCommand.commandLine(terminal).execute(all.toArray(String[]::new));
        CtlRun run = new CtlRun(exit, out.toString(), err.toString());
        LOG.info("ctl {} -> {}", String.join(" ", args), run);
        return run;
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}

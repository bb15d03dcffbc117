package io.pgwarden.ctl.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.config.ConfigChanges;
import io.pgwarden.ctl.config.ConfigDocument;
import io.pgwarden.ctl.config.ConfigValidator;
import io.pgwarden.ctl.config.UnifiedDiff;
import io.pgwarden.ctl.store.ClusterState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code pgwarden ctl edit-config}: changes the dynamic configuration. The result is validated before
 * anything is written, shown as a unified diff, and written by compare-and-swap on the key's mod
 * revision, so an edit made by someone else in between is never overwritten.
 */
@Command(name = "edit-config", mixinStandardHelpOptions = true,
        description = {"Change the dynamic configuration (the config key): validated, shown as a diff, then written",
                "with compare-and-swap (a concurrent change makes it fail, exit 1, and nothing is written)."})
public final class EditConfigCommand extends CtlAction {

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "set a dotted key (loop_wait=5, postgresql.parameters.work_mem=8MB); the value is YAML; null or nothing removes the key")
    List<String> sets = new ArrayList<>();

    @Option(names = {"-p", "--pg"}, paramLabel = "NAME=VALUE",
            description = "a PostgreSQL parameter: short for --set postgresql.parameters.NAME=VALUE")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--apply", paramLabel = "FILE", description = "merge a YAML file into the configuration (- for stdin)")
    String applyFile;

    @Option(names = "--replace", paramLabel = "FILE", description = "replace the whole configuration with a YAML file (- for stdin)")
    String replaceFile;

    @Option(names = "--force", description = "write without asking")
    boolean force;

    @Option(names = "--dry-run", description = "validate and show the diff, write nothing")
    boolean dryRun;

    @Option(names = {"-q", "--quiet"}, description = "do not show the diff")
    boolean quiet;

    private final ConfigDocument document = new ConfigDocument();

    @Override
    protected int run(Session session) {
        if (sets.isEmpty() && parameters.isEmpty() && applyFile == null && replaceFile == null) {
            throw CtlException.usage("nothing to change: give --set, --pg, --apply or --replace");
        }
        if (("-".equals(applyFile) || "-".equals(replaceFile)) && !force && !dryRun) {
            throw CtlException.usage("with a configuration on stdin there is nobody to ask: add --force (or --dry-run)");
        }
        String scope = session.scope();
        ClusterState state = session.readExisting();
        ObjectNode before = current(state, document, scope);
        ObjectNode after = before;
        ConfigChanges changes = new ConfigChanges(document);
        if (replaceFile != null) {
            after = read(session, replaceFile);
        }
        if (applyFile != null) {
            after = changes.apply(after, read(session, applyFile));
        }
        List<String> pairs = new ArrayList<>(sets);
        parameters.forEach(p -> pairs.add("postgresql.parameters." + p.strip()));
        after = changes.set(after, pairs);

        if (after.equals(before)) {
            session.terminal().out().println("Configuration of cluster " + scope + " not changed");
            return ExitCodes.OK;
        }
        List<String> problems = new ConfigValidator().problems(after);
        if (!problems.isEmpty()) {
            throw CtlException.usage("configuration of cluster " + scope + " not written, it would be invalid:\n  "
                    + problems.stream().collect(Collectors.joining("\n  ")));
        }
        if (!quiet) {
            session.terminal().out().print(UnifiedDiff.diff(document.toYaml(before), document.toYaml(after),
                    session.store().keys().config() + " (now)", session.store().keys().config() + " (new)"));
            session.terminal().out().flush();
        }
        if (dryRun) {
            session.terminal().out().println("Dry run: configuration of cluster " + scope + " not written");
            return ExitCodes.OK;
        }
        if (!force) {
            session.terminal().requireConfirmation("Apply these changes to cluster " + scope + "?",
                    "configuration of cluster " + scope + " not changed");
        }
        if (!session.store().replaceConfig(document.toJson(after), state.configModRevision())) {
            throw CtlException.failed("configuration of cluster " + scope + " was changed by someone else since it was"
                    + " read; nothing written (run the command again to edit the new version)");
        }
        session.terminal().out().println("Configuration of cluster " + scope + " changed");
        return ExitCodes.OK;
    }

    /** The configuration as it is now; empty when the key does not exist. */
    static ObjectNode current(ClusterState state, ConfigDocument document, String scope) {
        if (state.configJson().isEmpty()) {
            return document.empty();
        }
        try {
            return document.parseJson(state.configJson().get());
        } catch (IllegalArgumentException e) {
            throw CtlException.failed("configuration of cluster " + scope + ": " + e.getMessage());
        }
    }

    private ObjectNode read(Session session, String file) {
        String text;
        try {
            if (file.equals("-")) {
                text = session.terminal().in().lines().collect(Collectors.joining("\n"));
            } else {
                text = Files.readString(Path.of(file));
            }
        } catch (NoSuchFileException e) {
            throw CtlException.usage("file " + file + " does not exist");
        } catch (IOException | UncheckedIOException e) {
            throw CtlException.usage("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return document.parseYaml(text, file.equals("-") ? "stdin" : file);
        } catch (IllegalArgumentException e) {
            throw CtlException.usage(e.getMessage(), e);
        }
    }
}

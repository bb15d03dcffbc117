package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.config.ConfigDocument;
import io.pgwarden.ctl.store.ClusterState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgwarden ctl show-config}: the dynamic configuration in the {@code config} key. */
@Command(name = "show-config", mixinStandardHelpOptions = true,
        description = "Show the cluster's dynamic configuration (the config key) as YAML or JSON.")
public final class ShowConfigCommand extends CtlAction {

    @Option(names = {"-f", "--format"}, defaultValue = "yaml", paramLabel = "FORMAT",
            description = "yaml or json (default ${DEFAULT-VALUE})")
    String format;

    @Override
    protected int run(Session session) {
        if (!format.equals("yaml") && !format.equals("json")) {
            throw CtlException.usage("--format must be yaml or json, not '" + format + "'");
        }
        ClusterState state = session.readExisting();
        ConfigDocument document = new ConfigDocument();
        var config = EditConfigCommand.current(state, document, session.scope());
        session.terminal().out().print(format.equals("json") ? document.toPrettyJson(config) : document.toYaml(config));
        return ExitCodes.OK;
    }
}

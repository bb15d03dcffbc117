package io.pgwarden.ctl;

import io.pgwarden.ctl.command.EditConfigCommand;
import io.pgwarden.ctl.command.FailoverCommand;
import io.pgwarden.ctl.command.FlushCommand;
import io.pgwarden.ctl.command.HistoryCommand;
import io.pgwarden.ctl.command.ListCommand;
import io.pgwarden.ctl.command.PauseCommand;
import io.pgwarden.ctl.command.ReinitCommand;
import io.pgwarden.ctl.command.ReloadCommand;
import io.pgwarden.ctl.command.RemoveCommand;
import io.pgwarden.ctl.command.RestartCommand;
import io.pgwarden.ctl.command.ResumeCommand;
import io.pgwarden.ctl.command.ShowConfigCommand;
import io.pgwarden.ctl.command.SwitchoverCommand;
import io.pgwarden.ctl.command.TopologyCommand;
import io.pgwarden.ctl.connect.ClusterAddress;
import io.pgwarden.ctl.connect.ConfigFileReader;
import io.pgwarden.ctl.connect.EtcdAccessResolver;
import io.pgwarden.ctl.connect.EtcdSettings;
import io.pgwarden.ctl.connect.FileSettings;
import io.pgwarden.ctl.connect.RestAccess;
import io.pgwarden.ctl.rest.MemberApi;
import io.pgwarden.ctl.store.ClusterStore;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdClients;
import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.pgwarden.discovery.patroni.PatroniKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code pgwarden ctl}: operate a cluster of pgwarden agents or of Patroni. Its connection options
 * may come before or after the subcommand; a YAML file ({@code -c}) supplies those not given.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Operate a cluster of pgwarden agents (or of Patroni): list, switch over, pause, configure.",
                "Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 usage or configuration error."},
        subcommands = {ListCommand.class, TopologyCommand.class, HistoryCommand.class, ShowConfigCommand.class,
                EditConfigCommand.class, SwitchoverCommand.class, FailoverCommand.class, FlushCommand.class, PauseCommand.class,
                ResumeCommand.class, RestartCommand.class, ReinitCommand.class, ReloadCommand.class,
                RemoveCommand.class})
public final class CtlCommand {

    @Option(names = {"-c", "--config"}, scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "an agent's, router's or Patroni node's YAML: etcd hosts, TLS and user, namespace, scope, REST auth")
    Path configFile;

    @Option(names = {"--etcd", "--etcd-hosts"}, scope = ScopeType.INHERIT, split = ",", paramLabel = "URL",
            description = "etcd endpoints, http://host:port or https://host:port (several: repeat or separate with commas)")
    List<String> etcd;

    @Option(names = "--etcd-protocol", scope = ScopeType.INHERIT, paramLabel = "http|https",
            description = "the scheme of etcd endpoints given as bare host:port (default http)")
    String etcdProtocol;

    @Option(names = "--etcd-cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM CA certificates etcd's certificate must chain to (https endpoints)")
    Path etcdCacert;

    @Option(names = "--etcd-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM client certificate for etcd (its --client-cert-auth); needs --etcd-key")
    Path etcdCert;

    @Option(names = "--etcd-key", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "the client certificate's unencrypted PEM private key")
    Path etcdKey;

    @Option(names = {"--etcd-username", "--etcd-user"}, scope = ScopeType.INHERIT, paramLabel = "USER",
            description = "etcd user, when etcd's authentication is on; needs --etcd-password")
    String etcdUsername;

    @Option(names = "--etcd-password", scope = ScopeType.INHERIT, paramLabel = "PASSWORD",
            description = "that user's password")
    String etcdPassword;

    @Option(names = "--namespace", scope = ScopeType.INHERIT, paramLabel = "PREFIX",
            description = "Patroni's namespace (default /service/)")
    String namespace;

    @Option(names = "--scope", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "the cluster's name (Patroni's scope)")
    String scope;

    @Option(names = "--auth", scope = ScopeType.INHERIT, paramLabel = "USER:PASSWORD",
            description = "basic authentication for the members' REST APIs (default: the file's restapi.authentication)")
    String auth;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM CA certificates for https REST APIs")
    Path cacert;

    @Option(names = {"-k", "--insecure"}, scope = ScopeType.INHERIT,
            description = "https REST APIs without checking their certificates")
    Boolean insecure;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS", defaultValue = "60",
            description = "the longest one etcd or REST request may take (a switchover answers when done; default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    private final Terminal terminal;
    private final ConfigFileReader files = new ConfigFileReader();
    private final EtcdAccessResolver etcdAccess = new EtcdAccessResolver();
    /** gRPC logs its transport choice at INFO through java.util.logging; on a command line that is noise. Held: JUL keeps loggers weakly. */
    private final java.util.logging.Logger grpcLog = java.util.logging.Logger.getLogger("io.grpc");

    /** On the process's standard streams. */
    public CtlCommand() {
        this(Terminal.system());
    }

    public CtlCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** A command line for this command, printing help and errors to the terminal. */
    public static CommandLine commandLine(Terminal terminal) {
        CommandLine commandLine = new CommandLine(new CtlCommand(terminal));
        commandLine.setOut(terminal.out());
        commandLine.setErr(terminal.err());
        return commandLine;
    }

    Terminal terminal() {
        return terminal;
    }

    /** The cluster the options name: the command line first, then the -c file, then defaults. */
    ClusterAddress address(Optional<String> scopeArgument) {
        FileSettings file = configFile == null ? FileSettings.none() : files.read(configFile);
        EtcdSettings commandLine = new EtcdSettings(etcd == null ? List.of() : etcd.stream().map(String::strip).toList(),
                Optional.ofNullable(etcdProtocol), Optional.ofNullable(etcdCacert), Optional.ofNullable(etcdCert),
                Optional.ofNullable(etcdKey), Optional.ofNullable(etcdUsername), Optional.ofNullable(etcdPassword));
        EtcdAccess access = etcdAccess.resolve(commandLine, file);
        String clusterScope = Optional.ofNullable(scope).or(file::scope).or(() -> scopeArgument).orElseThrow(() -> CtlException.usage(
                "no cluster: give --scope NAME, or -c with an agent's or router's YAML"));
        String ns = Optional.ofNullable(namespace).or(file::namespace).orElse(PatroniKeys.DEFAULT_NAMESPACE);
        try {
            new PatroniKeys(ns, clusterScope);
        } catch (IllegalArgumentException e) {
            throw CtlException.usage(e.getMessage());
        }
        if (timeoutSeconds < 1) {
            throw CtlException.usage("--timeout must be at least 1 second");
        }
        RestAccess rest;
        try {
            rest = new RestAccess(Optional.ofNullable(auth).or(file::auth), Optional.ofNullable(cacert).or(file::cacert),
                    Optional.ofNullable(insecure).or(file::insecure).orElse(false));
        } catch (IllegalArgumentException e) {
            throw CtlException.usage("--auth: " + e.getMessage());
        }
        return new ClusterAddress(access, ns, clusterScope, rest, Duration.ofSeconds(timeoutSeconds));
    }

    Session openSession(Optional<String> scopeArgument) {
        ClusterAddress address = address(scopeArgument);
        grpcLog.setLevel(java.util.logging.Level.WARNING);
        MemberApi api = new MemberApi(address.rest(), address.timeout());
        ClusterStore store;
        try {
            store = new ClusterStore(EtcdClients.create(address.etcd(), address.timeout()), address.keys(),
                    address.timeout(), address.etcd());
        } catch (EtcdConfigException e) { // a PEM file changed since it was checked
            throw CtlException.usage("bad value for " + address.etcd().setting(e.key()) + ": " + e.problem(), e);
        }
        return new Session(address, store, api, terminal);
    }
}

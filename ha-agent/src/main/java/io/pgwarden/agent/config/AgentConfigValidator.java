package io.pgwarden.agent.config;

import io.pgwarden.agent.tls.TlsFiles;
import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.pgwarden.discovery.pem.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The rules a loaded {@link AgentConfig} must meet; the first broken one throws. */
final class AgentConfigValidator {

    static final int MIN_TTL = 4;
    static final int MIN_LOOP_WAIT = 1;
    static final int MIN_RETRY_TIMEOUT = 1;

    private static final Set<String> SYNCHRONOUS_MODES = Set.of("off", "on", "quorum");
    private static final Set<String> WATCHDOG_MODES = Set.of("off", "automatic", "required");
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "*", "::", "[::]");

    /** Settings the agent writes itself; a value in the file would fight it. Names are lower case. */
    private static final Map<String, String> OWNED_PARAMETERS = Map.of(
            "listen_addresses", "is set by the agent from postgresql.listen",
            "port", "is set by the agent from postgresql.listen",
            "hba_file", "is set by the agent, which writes pg_hba.conf from postgresql.pg_hba",
            "primary_conninfo", "is set by the agent to follow the current leader",
            "primary_slot_name", "is set by the agent to follow the current leader",
            "synchronous_standby_names", "is set by the agent from bootstrap.dcs.synchronous_mode");

    private final Checker check;

    AgentConfigValidator(Checker check) {
        this.check = check;
    }

    void validate(AgentConfig config) {
        // Both end up in etcd key paths: /<namespace>/<scope>/members/<name>.
        check.required(config.name(), "name");
        check.that(!config.name().contains("/"), "name", "must not contain '/', got '" + config.name() + "'");
        check.required(config.scope(), "scope");
        check.that(!config.scope().contains("/"), "scope", "must not contain '/', got '" + config.scope() + "'");
        etcd(config.etcd());
        timing("", config.ttl(), config.loopWait(), config.retryTimeout(), null);
        postgresql(config.postgresql());
        restapi(config.restapi());
        check.that(config.tags().failoverPriority() >= 0, "tags.failover_priority",
                () -> "must be 0 (never promoted) or more, got " + config.tags().failoverPriority());
        bootstrap(config.bootstrap(), config);
        watchdog(config.watchdog(), config);
    }

    /** Endpoints, TLS files (read and parsed now) and user, as the agent's client will use them. */
    private void etcd(AgentConfig.Etcd etcd) {
        try {
            etcd.access("");
        } catch (EtcdConfigException e) {
            throw check.fail("etcd." + e.key(), e.problem());
        }
    }

    /**
     * The leader must be able to retry etcd for retry_timeout, twice, and still have loop_wait of slack
     * before its lease ends; otherwise a leader that is merely slow loses the key to a healthy
     * replica. {@code prefix} is "" or "bootstrap.dcs."; {@code fallback} names where missing values
     * come from.
     */
    private void timing(String prefix, int ttl, int loopWait, int retryTimeout, String fallback) {
        check.atLeast(ttl, MIN_TTL, prefix + "ttl");
        check.atLeast(loopWait, MIN_LOOP_WAIT, prefix + "loop_wait");
        check.atLeast(retryTimeout, MIN_RETRY_TIMEOUT, prefix + "retry_timeout");
        int worstRenewal = loopWait + 2 * retryTimeout;
        check.that(worstRenewal <= ttl, prefix + "ttl", () -> "loop_wait + 2 * retry_timeout must not exceed ttl, got"
                + " loop_wait " + loopWait + " + 2 * retry_timeout " + retryTimeout + " = " + worstRenewal
                + " > ttl " + ttl + (fallback == null ? "" : " (" + fallback + ")"));
    }

    private void postgresql(AgentConfig.Postgresql pg) {
        check.required(pg.dataDir(), "postgresql.data_dir");
        check.that(pg.dataDir().isAbsolute(), "postgresql.data_dir",
                () -> "must be an absolute path (or relative to the config file), got '" + pg.dataDir() + "'");
        Path pgCtl = pg.binDir().resolve("pg_ctl");
        check.that(Files.isRegularFile(pgCtl) && Files.isExecutable(pgCtl), "postgresql.bin_dir",
                () -> "must hold PostgreSQL's programs, but " + pgCtl + " is missing or not executable");
        hostPort(pg.listen(), "postgresql.listen");
        reachable(pg.connectAddress(), "postgresql.connect_address");
        parameters(pg.parameters(), "postgresql.parameters");
        for (int i = 0; i < pg.pgHba().size(); i++) {
            check.that(!pg.pgHba().get(i).isBlank(), "postgresql.pg_hba[" + i + "]", "must be a pg_hba.conf line");
        }
        user(pg.superuser(), "postgresql.superuser");
        user(pg.replication(), "postgresql.replication");
        user(pg.rewind(), "postgresql.rewind");
        check.required(pg.osUser(), "postgresql.os_user");
        check.atLeast(pg.primaryStartTimeout(), 0, "postgresql.primary_start_timeout");
        pg.callbacks().byKey().forEach((name, line) -> callback(line, "postgresql.callbacks." + name));
        check.atLeast(pg.callbackTimeout(), 1, "postgresql.callback_timeout");
    }

    /** A callback's program must be there now: a typo found at the first failover is found too late. */
    private void callback(String line, String key) {
        List<String> words;
        try {
            words = io.pgwarden.agent.callbacks.CommandLine.split(line);
        } catch (IllegalArgumentException e) {
            throw check.fail(key, e.getMessage());
        }
        check.that(!words.isEmpty(), key, "must be a command line, got an empty one");
        String program = words.get(0);
        if (program.contains("/")) {
            Path file = Path.of(program);
            check.that(file.isAbsolute(), key, () -> "the script must be an absolute path (or a command on PATH), got '"
                    + program + "'");
            check.that(Files.isRegularFile(file), key, () -> "the script " + file + " does not exist");
            check.that(Files.isExecutable(file), key, () -> "the script " + file + " is not executable");
        } else {
            check.that(onPath(program), key, () -> "the command '" + program + "' is not on PATH");
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path file = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                return true;
            }
        }
        return false;
    }

    private void parameters(Map<String, Object> parameters, String prefix) {
        for (Map.Entry<String, Object> e : parameters.entrySet()) {
            String key = prefix + "." + e.getKey();
            Object value = e.getValue();
            check.that(value != null, key, "needs a value");
            check.that(!(value instanceof Map<?, ?>) && !(value instanceof List<?>), key,
                    "must be a single value (string, number or boolean), not a list or a mapping");
            String owner = OWNED_PARAMETERS.get(e.getKey().toLowerCase(Locale.ROOT));
            check.that(owner == null, key, () -> owner + "; remove it from " + prefix);
        }
    }

    private void user(AgentConfig.User user, String key) {
        check.that(!user.username().isBlank(), key + ".username", "must not be empty");
    }

    private void restapi(AgentConfig.RestApi api) {
        hostPort(api.listen(), "restapi.listen");
        reachable(api.connectAddress(), "restapi.connect_address");
        if (api.authentication() != null) {
            check.that(!api.authentication().username().isBlank(), "restapi.authentication.username", "must not be empty");
            check.that(!api.authentication().password().isEmpty(), "restapi.authentication.password",
                    "must not be empty (without authentication, leave out restapi.authentication)");
        }
        try {
            TlsFiles.VerifyClient.parse(api.verifyClient());
        } catch (IllegalArgumentException e) {
            throw check.fail("restapi.verify_client", e.getMessage());
        }
        if (!api.tls()) {
            for (String key : new String[] {"keyfile", "keyfile_password", "cafile"}) {
                Object value = switch (key) {
                    case "keyfile" -> api.keyfile();
                    case "keyfile_password" -> api.keyfilePassword();
                    default -> api.cafile();
                };
                check.that(value == null, "restapi." + key, "needs restapi.certfile (TLS is on only with a certificate)");
            }
            check.that(api.verifyClient().equalsIgnoreCase("none"), "restapi.verify_client",
                    "needs restapi.certfile (TLS is on only with a certificate)");
            return;
        }
        tls(api);
    }

    /** Reads every TLS file now, so a bad one stops the agent at start with its key named. */
    private void tls(AgentConfig.RestApi api) {
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(api.certfile());
        } catch (IllegalArgumentException e) {
            throw check.fail("restapi.certfile", e.getMessage());
        }
        String keyKey = api.keyfile() != null ? "restapi.keyfile" : "restapi.certfile";
        PrivateKey key;
        try {
            key = PemFiles.privateKey(api.keyfile() != null ? api.keyfile() : api.certfile(), api.keyfilePassword());
        } catch (IllegalArgumentException e) {
            throw check.fail(keyKey, e.getMessage() + (api.keyfile() == null ? " (set restapi.keyfile)" : ""));
        }
        check.that(PemFiles.keyMatches(key, chain.get(0)), keyKey,
                () -> "the key does not belong to the certificate in " + api.certfile());
        if (api.cafile() != null) {
            try {
                PemFiles.certificates(api.cafile());
            } catch (IllegalArgumentException e) {
                throw check.fail("restapi.cafile", e.getMessage());
            }
        }
        check.that(api.cafile() != null || api.verifyClient().equalsIgnoreCase("none"), "restapi.verify_client",
                "needs restapi.cafile, the CA client certificates must chain to");
    }

    private void hostPort(String value, String key) {
        try {
            HostPort.host(value);
            HostPort.port(value);
        } catch (IllegalArgumentException e) {
            throw check.fail(key, e.getMessage());
        }
        check.that(!HostPort.host(value).isBlank(), key, () -> "not host:port: '" + value + "'");
    }

    /** Others dial this address: a wildcard bind address (the default follows listen) is no use to them. */
    private void reachable(String value, String key) {
        hostPort(value, key);
        check.that(!WILDCARDS.contains(HostPort.host(value)), key,
                () -> "must be an address others can reach, not the wildcard '" + value
                        + "' (set it explicitly when listen binds all addresses)");
    }

    private void bootstrap(AgentConfig.Bootstrap bootstrap, AgentConfig config) {
        for (int i = 0; i < bootstrap.initdb().size(); i++) {
            check.that(!bootstrap.initdb().get(i).isBlank(), "bootstrap.initdb[" + i + "]", "must be an initdb option");
        }
        AgentConfig.Dcs dcs = bootstrap.dcs();
        if (dcs.ttl() != null || dcs.loopWait() != null || dcs.retryTimeout() != null) {
            StringBuilder fallback = new StringBuilder();
            int ttl = orTopLevel(dcs.ttl(), config.ttl(), "ttl", fallback);
            int loopWait = orTopLevel(dcs.loopWait(), config.loopWait(), "loop_wait", fallback);
            int retryTimeout = orTopLevel(dcs.retryTimeout(), config.retryTimeout(), "retry_timeout", fallback);
            timing("bootstrap.dcs.", ttl, loopWait, retryTimeout,
                    fallback.isEmpty() ? null : "not set in bootstrap.dcs, taken from the top level: " + fallback);
        }
        check.that(dcs.maximumLagOnFailover() >= 0, "bootstrap.dcs.maximum_lag_on_failover",
                () -> "must be 0 or more bytes, got " + dcs.maximumLagOnFailover());
        check.that(SYNCHRONOUS_MODES.contains(dcs.synchronousMode()), "bootstrap.dcs.synchronous_mode",
                () -> "must be one of off, on, quorum (or true/false), got '" + dcs.synchronousMode() + "'");
        Object parameters = dcs.postgresql().get("parameters");
        if (parameters != null) {
            check.that(parameters instanceof Map<?, ?>, "bootstrap.dcs.postgresql.parameters",
                    "must be a mapping of postgresql.conf settings");
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) parameters;
            parameters(map, "bootstrap.dcs.postgresql.parameters");
        }
    }

    private static int orTopLevel(Integer value, int topLevel, String name, StringBuilder fallback) {
        if (value != null) {
            return value;
        }
        fallback.append(fallback.isEmpty() ? "" : ", ").append(name);
        return topLevel;
    }

    private void watchdog(AgentConfig.Watchdog watchdog, AgentConfig config) {
        check.that(WATCHDOG_MODES.contains(watchdog.mode()), "watchdog.mode",
                () -> "must be one of off, automatic, required, got '" + watchdog.mode() + "'");
        int margin = watchdog.safetyMargin();
        check.atLeast(margin, 0, "watchdog.safety_margin");
        // The device must fire before the lease ends, so the margin has to fit inside the lease.
        check.that(margin < config.ttl(), "watchdog.safety_margin",
                () -> "must be less than ttl " + config.ttl() + ", got " + margin);
        Integer bootstrapTtl = config.bootstrap().dcs().ttl();
        check.that(bootstrapTtl == null || margin < bootstrapTtl, "watchdog.safety_margin",
                () -> "must be less than bootstrap.dcs.ttl " + bootstrapTtl + ", got " + margin);
    }
}

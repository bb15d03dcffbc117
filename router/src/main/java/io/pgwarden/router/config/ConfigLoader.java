package io.pgwarden.router.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.pgwarden.discovery.etcd.EtcdSourceSettings;
import io.pgwarden.pool.tls.ServerTlsMode;
import io.pgwarden.router.auth.HbaRule;
import io.pgwarden.router.tls.ClientTlsMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads and checks the router's YAML file. Every error names the file and the key, and an
 * unknown key is an error rather than silently ignored.
 */
public final class ConfigLoader {

    private static final Set<String> ROLES = Set.of("primary", "replica");
    private static final Set<String> POOL_MODES = Set.of("session", "transaction");

    private final ObjectMapper mapper;

    public ConfigLoader() {
        SimpleModule units = new SimpleModule("pgwarden-units")
                .addDeserializer(Duration.class, textDeserializer(Durations::parse))
                .addDeserializer(DataSize.class, textDeserializer(DataSize::parse));
        this.mapper = YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .addModule(units)
                .build();
    }

    public RouterConfig load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read the config file: " + e.getMessage(), e);
        }
        return parse(text, source, file.toAbsolutePath().getParent());
    }

    /** Parses YAML text; relative paths in it resolve against {@code baseDir}. */
    public RouterConfig parse(String yaml, String source, Path baseDir) {
        RouterConfig config;
        try {
            // No document at all (a blank file, or only comments) means every default.
            try (JsonParser parser = mapper.createParser(yaml)) {
                config = parser.nextToken() == null ? null : mapper.readValue(parser, RouterConfig.class);
            }
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown key '" + keyOf(e) + "'");
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String detail = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            throw new ConfigException(source + ": bad value for key '" + keyOf(e) + "': " + detail);
        } catch (IOException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        if (config == null) {
            config = new RouterConfig(null, null, null, null, null, null, null, null, null);
        }
        config = resolvePaths(config, baseDir);
        validate(config, source);
        return config;
    }

    private static RouterConfig resolvePaths(RouterConfig config, Path baseDir) {
        if (baseDir == null) {
            return config;
        }
        RouterConfig.Auth auth = config.auth();
        RouterConfig.Server server = config.server();
        RouterConfig.Tls tls = config.tls();
        RouterConfig.Dcs dcs = config.dcs();
        return new RouterConfig(config.listen(), config.topology(),
                new RouterConfig.Auth(resolve(baseDir, auth.file()), auth.hba()),
                config.pool(), config.limits(), config.routing(),
                new RouterConfig.Server(server.connectTimeout(), server.tls(), resolve(baseDir, server.tlsCaFile())),
                dcs.withSecurity(dcs.protocol(), resolve(baseDir, dcs.cacert()), resolve(baseDir, dcs.cert()),
                        resolve(baseDir, dcs.key()), dcs.username(), dcs.password()),
                config.admin(),
                new RouterConfig.Tls(tls.mode(), tls.primaryMode(), tls.replicaMode(), resolve(baseDir, tls.certFile()),
                        resolve(baseDir, tls.keyFile()), resolve(baseDir, tls.caFile())));
    }

    private static Path resolve(Path baseDir, Path file) {
        return file == null || file.isAbsolute() ? file : baseDir.resolve(file).normalize();
    }

    private static void validate(RouterConfig config, String source) {
        Checker check = new Checker(source);
        RouterConfig.Listen listen = config.listen();
        check.port("listen.primary_port", listen.primaryPort());
        check.that(listen.ioThreads() >= 0 && listen.ioThreads() <= 256, "listen.io_threads", "must be 0 (half the cores) to 256");
        check.port("listen.replica_port", listen.replicaPort());
        check.that(!listen.primaryPort().equals(listen.replicaPort()), "listen.replica_port",
                "must differ from listen.primary_port");

        RouterConfig.Dcs dcs = config.dcs();
        if (dcs.enabled()) {
            check.that(dcs.scope() != null && !dcs.scope().isBlank(), "dcs.scope", "is required with dcs.etcd");
            try {
                dcs.access(source); // endpoints, and the TLS files read and parsed now
            } catch (EtcdConfigException e) {
                throw new ConfigException(source + ": bad value for key 'dcs." + e.key() + "': " + e.problem());
            }
            check.positive("dcs.check_interval", dcs.checkInterval());
            check.that(dcs.isolationTimeout().compareTo(dcs.checkInterval()) > 0, "dcs.isolation_timeout",
                    "must be longer than dcs.check_interval");
            EtcdSourceSettings.checkAgainstTtl(dcs.isolationTimeout(), dcs.ttl(), EtcdSourceSettings.DEFAULT_TTL_MARGIN)
                    .ifPresent(problem -> check.that(false, "dcs.isolation_timeout", problem));
        }
        var members = config.topology().members();
        check.that(dcs.enabled() || !members.isEmpty(), "topology.members", "list at least the primary (or set dcs.etcd)");
        long primaries = 0;
        for (int i = 0; i < members.size(); i++) {
            RouterConfig.Member m = members.get(i);
            String key = "topology.members[" + i + "]";
            check.that(m.name() != null && !m.name().isBlank(), key + ".name", "is required");
            check.port(key + ".port", m.port());
            check.that(ROLES.contains(m.role()), key + ".role", "must be one of " + ROLES + ", got '" + m.role() + "'");
            if ("primary".equals(m.role())) {
                primaries++;
            }
        }
        check.that(members.isEmpty() || primaries == 1, "topology.members", "must name exactly one primary, found " + primaries);
        check.that(!dcs.enabled() || members.isEmpty(), "topology.members", "must be empty when dcs.etcd is set");
        check.that(members.stream().map(RouterConfig.Member::name).distinct().count() == members.size(),
                "topology.members", "member names must be unique");

        Path authFile = config.auth().file();
        check.that(authFile == null || Files.isReadable(authFile), "auth.file", "cannot read " + authFile);
        var hba = config.auth().hba();
        for (int i = 0; i < hba.size(); i++) {
            String key = "auth.hba[" + i + "]";
            try {
                HbaRule.from(hba.get(i));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": bad value for key '" + key + "': " + e.getMessage());
            }
        }

        check.parses("listen.transport", config.listen().transport(), io.pgwarden.router.listener.TransportChoice::parse);

        RouterConfig.Pool pool = config.pool();
        check.that(POOL_MODES.contains(pool.mode()), "pool.mode",
                "must be one of " + POOL_MODES + ", got '" + pool.mode() + "'");
        check.that(pool.maxPreparedStatements() >= 1, "pool.max_prepared_statements", "must be at least 1");
        for (int i = 0; i < pool.overrides().size(); i++) {
            String mode = pool.overrides().get(i).mode();
            check.that(POOL_MODES.contains(mode), "pool.overrides[" + i + "].mode",
                    "must be one of " + POOL_MODES + ", got '" + mode + "'");
        }
        check.that(pool.maxSize() >= 1, "pool.max_size", "must be at least 1");
        check.that(pool.minSize() >= 0 && pool.minSize() <= pool.maxSize(), "pool.min_size",
                "must be between 0 and pool.max_size");
        check.positive("pool.pool_timeout", pool.poolTimeout());
        check.positive("pool.idle_timeout", pool.idleTimeout());
        check.positive("pool.max_lifetime", pool.maxLifetime());

        RouterConfig.Limits limits = config.limits();
        check.that(limits.maxClientConn() >= 1, "limits.max_client_conn", "must be at least 1");
        check.that(limits.maxUserConnections() >= 0, "limits.max_user_connections", "must be 0 (no limit) or more");
        long size = limits.maxMessageSize().bytes();
        check.that(size >= 1024 && size <= 1024L * 1024 * 1024, "limits.max_message_size", "must be between 1kB and 1GB");
        check.positive("limits.auth_timeout", limits.authTimeout());
        check.positive("server.connect_timeout", config.server().connectTimeout());
        check.that(config.admin().httpPort() == 0 || config.admin().httpPort() >= 1 && config.admin().httpPort() <= 65535,
                "admin.http_port", "must be 0 (off) or a TCP port");
        check.positive("routing.connect_wait_timeout", config.routing().connectWaitTimeout());
        validateTls(config.tls(), config.server(), check);
        validateAdmin(config.admin(), check);
    }

    private static void validateAdmin(RouterConfig.Admin admin, Checker check) {
        check.that(admin.database().matches("[A-Za-z0-9_.-]+"), "admin.database",
                "must be a plain database name (letters, digits, _ . -), got '" + admin.database() + "'");
        for (int i = 0; i < admin.users().size(); i++) {
            String user = admin.users().get(i);
            check.that(user != null && !user.isBlank(), "admin.users[" + i + "]", "must be a user name");
        }
        check.positive("admin.pause_timeout", admin.pauseTimeout());
    }

    private static void validateTls(RouterConfig.Tls tls, RouterConfig.Server server, Checker check) {
        check.parses("tls.mode", tls.mode(), ClientTlsMode::parse);
        if (tls.primaryMode() != null) {
            check.parses("tls.primary_mode", tls.primaryMode(), ClientTlsMode::parse);
        }
        if (tls.replicaMode() != null) {
            check.parses("tls.replica_mode", tls.replicaMode(), ClientTlsMode::parse);
        }
        if (tls.enabled()) {
            String why = "is required when a port accepts TLS (tls.mode, tls.primary_mode or tls.replica_mode other than disable)";
            check.that(tls.certFile() != null, "tls.cert_file", why);
            check.that(tls.keyFile() != null, "tls.key_file", why);
        }
        check.readable("tls.cert_file", tls.certFile());
        check.readable("tls.key_file", tls.keyFile());
        check.readable("tls.ca_file", tls.caFile());

        ServerTlsMode serverTls = check.parses("server.tls", server.tls(), ServerTlsMode::parse);
        check.readable("server.tls_ca_file", server.tlsCaFile());
        check.that(server.tlsCaFile() == null || serverTls == ServerTlsMode.VERIFY_FULL, "server.tls_ca_file",
                "is used only with server.tls: verify-full (prefer and require do not check certificates)");
    }

    private static String keyOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "");
    }

    private static <T> JsonDeserializer<T> textDeserializer(Function<String, T> parser) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return parser.apply(p.getValueAsString());
            }
        };
    }

    /** Collects nothing: the first failed check throws, naming file and key. */
    private record Checker(String source) {
        void that(boolean ok, String key, String message) {
            if (!ok) {
                throw new ConfigException(source + ": bad value for key '" + key + "': " + message);
            }
        }

        void port(String key, int port) {
            that(port >= 1 && port <= 65535, key, "must be a TCP port (1-65535), got " + port);
        }

        /** The parsed value; the parser's IllegalArgumentException becomes the error. */
        <T> T parses(String key, String value, Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": bad value for key '" + key + "': " + e.getMessage());
            }
        }

        void readable(String key, Path file) {
            that(file == null || Files.isReadable(file), key, "cannot read " + file);
        }

        void positive(String key, Duration duration) {
            that(!duration.isNegative() && !duration.isZero(), key, "must be longer than zero");
        }
    }
}

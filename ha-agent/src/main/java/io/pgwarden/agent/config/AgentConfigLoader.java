package io.pgwarden.agent.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads and checks one agent's YAML file ({@code conf/node1.yml} shows every key). Unknown keys and
 * bad values are errors whose message names the file and the key; relative paths resolve against
 * the file's directory.
 */
public final class AgentConfigLoader {

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private final ObjectMapper mapper;

    public AgentConfigLoader() {
        this.mapper = YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // ttl: 2.5 must be refused, not silently truncated to 2.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // YAML lets a key repeat and keeps the last one; a config file must not.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    public AgentConfig load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new AgentConfigException(source + ": cannot read the config file: " + e, e);
        }
        return parse(text, source, file.toAbsolutePath().getParent());
    }

    /**
     * Parses YAML text; relative paths in it resolve against {@code baseDir} (with none, they are
     * refused where an absolute path is needed). {@code source} names the text in error messages.
     */
    public AgentConfig parse(String yaml, String source, Path baseDir) {
        AgentConfig config = read(yaml, source);
        config = normalize(config, baseDir);
        new AgentConfigValidator(new Checker(source)).validate(config);
        return config;
    }

    private AgentConfig read(String yaml, String source) {
        AgentConfig config;
        try {
            // No document at all (a blank file, or only comments) means every default.
            try (JsonParser parser = mapper.createParser(yaml)) {
                config = parser.nextToken() == null ? null : mapper.readValue(parser, AgentConfig.class);
            }
        } catch (UnrecognizedPropertyException e) {
            throw new AgentConfigException(source + ": unknown key '" + keyOf(e) + "'");
        } catch (JsonMappingException e) {
            throw mappingError(e, source);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new AgentConfigException(source + ": not valid YAML" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AgentConfigException(source + ": cannot read the config: " + e, e);
        }
        return config != null ? config : new AgentConfig(null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    private static AgentConfigException mappingError(JsonMappingException e, String source) {
        String key = keyOf(e);
        if (key.isEmpty()) {
            return new AgentConfigException(source + ": expected a mapping of keys at the top level: "
                    + e.getOriginalMessage());
        }
        Throwable cause = e.getCause();
        // A record's requireNonNull(x, "x") names the missing component (User.username).
        if (cause instanceof NullPointerException npe && npe.getMessage() != null
                && npe.getMessage().matches("[a-z][A-Za-z]*")) {
            return new AgentConfigException(source + ": bad value for key '" + key + "."
                    + SNAKE_CASE.translate(npe.getMessage()) + "': is required");
        }
        String detail = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
        return new AgentConfigException(source + ": bad value for key '" + key + "': " + detail);
    }

    /** Resolves relative paths and turns YAML booleans into the words the modes use. */
    private static AgentConfig normalize(AgentConfig c, Path baseDir) {
        AgentConfig.Postgresql pg = c.postgresql();
        AgentConfig.Postgresql postgresql = new AgentConfig.Postgresql(resolve(baseDir, pg.binDir()),
                resolve(baseDir, pg.dataDir()), pg.listen(), pg.connectAddress(), pg.parameters(), pg.pgHba(),
                pg.superuser(), pg.replication(), pg.rewind(), pg.osUser(), pg.primaryStartTimeout(),
                pg.removeDataDirectoryOnRewindFailure(), pg.callbacks(), pg.callbackTimeout());

        AgentConfig.Dcs dcs = c.bootstrap().dcs();
        // As in Patroni, synchronous_mode: true/false (or YAML's on/off, which are booleans) mean on/off.
        String synchronousMode = switch (dcs.synchronousMode()) {
            case "true" -> "on";
            case "false" -> "off";
            default -> dcs.synchronousMode();
        };
        AgentConfig.Bootstrap bootstrap = new AgentConfig.Bootstrap(c.bootstrap().initdb(),
                new AgentConfig.Dcs(dcs.ttl(), dcs.loopWait(), dcs.retryTimeout(), dcs.maximumLagOnFailover(),
                        synchronousMode, dcs.synchronousModeStrict(), dcs.postgresql()));

        AgentConfig.Watchdog wd = c.watchdog();
        // mode: off unquoted is YAML's false.
        String watchdogMode = "false".equals(wd.mode()) ? "off" : wd.mode();
        AgentConfig.Watchdog watchdog = new AgentConfig.Watchdog(watchdogMode, resolve(baseDir, wd.device()),
                wd.safetyMargin());

        AgentConfig.Etcd e = c.etcd();
        AgentConfig.Etcd etcd = new AgentConfig.Etcd(e.hosts(), e.protocol(), resolve(baseDir, e.cacert()),
                resolve(baseDir, e.cert()), resolve(baseDir, e.key()), e.username(), e.password());
        AgentConfig.RestApi api = c.restapi();
        AgentConfig.RestApi restapi = new AgentConfig.RestApi(api.listen(), api.connectAddress(), api.authentication(),
                resolve(baseDir, api.certfile()), resolve(baseDir, api.keyfile()), api.keyfilePassword(),
                resolve(baseDir, api.cafile()), api.verifyClient());

        return new AgentConfig(c.name(), c.scope(), c.namespace(), etcd, c.ttl(), c.loopWait(),
                c.retryTimeout(), postgresql, restapi, c.tags(), bootstrap, watchdog);
    }

    private static Path resolve(Path baseDir, Path file) {
        return file == null || file.isAbsolute() || baseDir == null ? file : baseDir.resolve(file).normalize();
    }

    private static String keyOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "");
    }
}

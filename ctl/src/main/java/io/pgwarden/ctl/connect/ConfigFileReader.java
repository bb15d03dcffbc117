package io.pgwarden.ctl.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.ctl.CtlException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the few keys ctl needs from a YAML file of a pgwarden agent ({@code scope}, {@code namespace},
 * the {@code etcd} section, {@code restapi.authentication}), a pgwarden router ({@code dcs.etcd},
 * {@code dcs.namespace}, {@code dcs.scope}, the {@code dcs} section's TLS and user keys) or a Patroni
 * node ({@code etcd3.hosts} as {@code host:port}, {@code etcd3.protocol}). The etcd sections'
 * {@code protocol}, {@code cacert}, {@code cert}, {@code key}, {@code username} and {@code password}
 * are read as all three programs name them; their values are checked later, with the command line's.
 * Every other key is left to the process that owns the file, so the reading is lenient on purpose.
 */
public final class ConfigFileReader {

    private final ObjectMapper yaml = new YAMLMapper();

    /**
     * @throws CtlException (usage) if the file cannot be read or a key ctl reads has the wrong shape;
     *                      the message names the file and the key
     */
    public FileSettings read(Path file) {
        JsonNode root;
        try {
            root = yaml.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw CtlException.usage("config file " + file + " does not exist");
        } catch (IOException e) {
            throw CtlException.usage("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return FileSettings.none();
        }
        if (!root.isObject()) {
            throw CtlException.usage("config file " + file + " is not a YAML mapping");
        }
        Reader reader = new Reader(file, root);
        JsonNode dcs = root.path("dcs");
        Optional<String> namespace;
        Optional<String> scope;
        String section;
        String hostsKey;
        if (dcs.isObject() && dcs.has("etcd")) { // router
            section = "dcs";
            hostsKey = "etcd";
            namespace = reader.text(dcs.get("namespace"), "dcs.namespace");
            scope = reader.text(dcs.get("scope"), "dcs.scope");
        } else {
            section = root.path("etcd").isObject() || !root.path("etcd3").isObject() ? "etcd" : "etcd3";
            JsonNode node = root.path(section);
            hostsKey = node.has("hosts") ? "hosts" : node.has("host") ? "host" : node.has("url") ? "url" : "hosts";
            namespace = reader.text(root.get("namespace"), "namespace");
            scope = reader.text(root.get("scope"), "scope");
        }
        EtcdSettings etcd = reader.etcd(root.path(section), section, hostsKey);
        JsonNode restapi = root.path("restapi");
        JsonNode ctl = root.path("ctl");
        Optional<String> auth = reader.text(ctl.get("auth"), "ctl.auth")
                .or(() -> reader.credentials(restapi.get("authentication"), "restapi.authentication"));
        Optional<Path> cacert = reader.text(ctl.get("cacert"), "ctl.cacert")
                .or(() -> reader.text(restapi.get("cafile"), "restapi.cafile"))
                .map(p -> resolve(file, p));
        Optional<Boolean> insecure = reader.bool(ctl.get("insecure"), "ctl.insecure");
        return new FileSettings(Optional.of(file), etcd, section, hostsKey, namespace, scope, auth, cacert, insecure);
    }

    private static Path resolve(Path file, String path) {
        Path p = Path.of(path);
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    /** Reads values of one file, failing with its name and the key. */
    private record Reader(Path file, JsonNode root) {

        /** The section's endpoints as written and its TLS and user settings; paths resolved against the file's folder. */
        EtcdSettings etcd(JsonNode node, String section, String hostsKey) {
            if (!node.isObject()) {
                return EtcdSettings.NONE;
            }
            String prefix = section + ".";
            return new EtcdSettings(hosts(node.get(hostsKey), prefix + hostsKey),
                    text(node.get("protocol"), prefix + "protocol"),
                    path(node.get("cacert"), prefix + "cacert"), path(node.get("cert"), prefix + "cert"),
                    path(node.get("key"), prefix + "key"), text(node.get("username"), prefix + "username"),
                    text(node.get("password"), prefix + "password"));
        }

        /** A list of endpoints, or one string of them separated by commas (Patroni's form). */
        List<String> hosts(JsonNode node, String key) {
            List<String> hosts = new ArrayList<>();
            if (node == null || node.isNull()) {
                return List.of();
            } else if (node.isTextual()) {
                for (String host : node.textValue().split(",")) {
                    if (!host.isBlank()) {
                        hosts.add(host.strip());
                    }
                }
            } else if (node.isArray()) {
                for (JsonNode host : node) {
                    if (!host.isTextual()) {
                        throw bad(key, "a list of host:port or http://host:port strings");
                    }
                    hosts.add(host.textValue().strip());
                }
            } else {
                throw bad(key, "a list of host:port or http://host:port strings");
            }
            return hosts;
        }

        Optional<Path> path(JsonNode node, String key) {
            return text(node, key).map(p -> resolve(file, p));
        }

        Optional<String> text(JsonNode node, String key) {
            if (node == null || node.isNull()) {
                return Optional.empty();
            }
            if (!node.isValueNode()) {
                throw bad(key, "a text value");
            }
            return Optional.of(node.asText());
        }

        Optional<Boolean> bool(JsonNode node, String key) {
            if (node == null || node.isNull()) {
                return Optional.empty();
            }
            if (!node.isBoolean()) {
                throw bad(key, "true or false");
            }
            return Optional.of(node.booleanValue());
        }

        Optional<String> credentials(JsonNode node, String key) {
            if (node == null || node.isNull()) {
                return Optional.empty();
            }
            Optional<String> user = text(node.get("username"), key + ".username");
            Optional<String> password = text(node.get("password"), key + ".password");
            if (user.isEmpty() || password.isEmpty()) {
                throw bad(key, "username and password");
            }
            return Optional.of(user.get() + ":" + password.get());
        }

        CtlException bad(String key, String expected) {
            return CtlException.usage("config file " + file + ": " + key + " must be " + expected);
        }
    }
}

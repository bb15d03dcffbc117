package io.pgwarden.ctl.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.ctl.CtlException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the few keys ctl needs from a YAML file of a pgwarden agent ({@code scope}, {@code namespace},
 * {@code etcd.hosts}, {@code restapi.authentication}), a pgwarden router ({@code dcs.etcd},
 * {@code dcs.namespace}, {@code dcs.scope}) or a Patroni node ({@code etcd3.hosts} as {@code host:port}).
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
        List<URI> etcd;
        Optional<String> namespace;
        Optional<String> scope;
        if (dcs.isObject() && dcs.has("etcd")) { // router
            etcd = reader.endpoints(dcs.get("etcd"), "dcs.etcd", "http");
            namespace = reader.text(dcs.get("namespace"), "dcs.namespace");
            scope = reader.text(dcs.get("scope"), "dcs.scope");
        } else {
            etcd = reader.agentOrPatroniEndpoints();
            namespace = reader.text(root.get("namespace"), "namespace");
            scope = reader.text(root.get("scope"), "scope");
        }
        JsonNode restapi = root.path("restapi");
        JsonNode ctl = root.path("ctl");
        Optional<String> auth = reader.text(ctl.get("auth"), "ctl.auth")
                .or(() -> reader.credentials(restapi.get("authentication"), "restapi.authentication"));
        Optional<Path> cacert = reader.text(ctl.get("cacert"), "ctl.cacert")
                .or(() -> reader.text(restapi.get("cafile"), "restapi.cafile"))
                .map(p -> resolve(file, p));
        Optional<Boolean> insecure = reader.bool(ctl.get("insecure"), "ctl.insecure");
        return new FileSettings(etcd, namespace, scope, auth, cacert, insecure);
    }

    private static Path resolve(Path file, String path) {
        Path p = Path.of(path);
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    /** Reads values of one file, failing with its name and the key. */
    private record Reader(Path file, JsonNode root) {

        List<URI> agentOrPatroniEndpoints() {
            for (String section : List.of("etcd", "etcd3")) {
                JsonNode node = root.path(section);
                if (!node.isObject()) {
                    continue;
                }
                // Patroni writes bare host:port and says which scheme in `protocol`.
                String scheme = text(node.get("protocol"), section + ".protocol").orElse("http");
                if (node.has("hosts")) {
                    return endpoints(node.get("hosts"), section + ".hosts", scheme);
                }
                if (node.has("host")) {
                    return endpoints(node.get("host"), section + ".host", scheme);
                }
                if (node.has("url")) {
                    return endpoints(node.get("url"), section + ".url", scheme);
                }
            }
            return List.of();
        }

        List<URI> endpoints(JsonNode node, String key, String scheme) {
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
            List<URI> uris = new ArrayList<>();
            for (String host : hosts) {
                String url = host.contains("://") ? host : scheme + "://" + host;
                try {
                    URI uri = URI.create(url);
                    if (uri.getHost() == null) {
                        throw new IllegalArgumentException("no host");
                    }
                    uris.add(uri);
                } catch (IllegalArgumentException e) {
                    throw bad(key, "host:port or http://host:port, not '" + host + "'");
                }
            }
            return uris;
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

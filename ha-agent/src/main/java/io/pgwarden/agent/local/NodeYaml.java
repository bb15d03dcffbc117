package io.pgwarden.agent.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.discovery.etcd.EtcdSecurity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The YAML of one local agent: its placement's addresses, the cluster's timing, the demo's users. */
final class NodeYaml {

    private NodeYaml() {
    }

    static String render(String name, LocalCluster.Options options, NodePlacement placement, int pgPort, int restPort,
                         Path dataDir, Map<String, Object> tags) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("name", name);
        root.put("scope", options.scope());
        Map<String, Object> etcd = new LinkedHashMap<>();
        etcd.put("hosts", placement.etcd());
        EtcdSecurity security = options.etcdSecurity();
        security.cacert().ifPresent(p -> etcd.put("cacert", p.toString()));
        security.cert().ifPresent(p -> etcd.put("cert", p.toString()));
        security.key().ifPresent(p -> etcd.put("key", p.toString()));
        security.username().ifPresent(u -> etcd.put("username", u));
        security.password().ifPresent(p -> etcd.put("password", p));
        root.put("etcd", etcd);
        root.put("ttl", options.ttl());
        root.put("loop_wait", options.loopWait());
        root.put("retry_timeout", options.retryTimeout());
        Map<String, Object> pg = new LinkedHashMap<>();
        pg.put("data_dir", dataDir.toString());
        pg.put("listen", placement.address(pgPort));
        if (!placement.pgHba().isEmpty()) {
            pg.put("pg_hba", placement.pgHba());
        }
        pg.put("superuser", Map.of("username", "postgres", "password", "postgres"));
        pg.put("replication", Map.of("username", "replicator", "password", "replicator"));
        pg.put("primary_start_timeout", options.primaryStartTimeout());
        if (!options.callbacks().isEmpty()) {
            Map<String, Object> callbacks = new java.util.TreeMap<>();
            options.callbacks().forEach((key, line) -> callbacks.put(key, line.replace("{name}", name)));
            pg.put("callbacks", callbacks);
        }
        root.put("postgresql", pg);
        root.put("restapi", Map.of("listen", placement.address(restPort)));
        if (!tags.isEmpty()) {
            root.put("tags", tags);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        // Small servers: three of them and the tests share two cores.
        parameters.put("shared_buffers", "32MB");
        parameters.put("max_connections", 100);
        parameters.put("fsync", "on");
        parameters.putAll(options.parameters());
        Map<String, Object> dcs = new LinkedHashMap<>();
        dcs.put("ttl", options.ttl());
        dcs.put("loop_wait", options.loopWait());
        dcs.put("retry_timeout", options.retryTimeout());
        dcs.put("synchronous_mode", options.synchronousMode());
        dcs.put("synchronous_mode_strict", options.synchronousModeStrict());
        dcs.put("postgresql", Map.of("parameters", parameters));
        root.put("bootstrap", Map.of("dcs", dcs));
        try {
            return "# written by pgwarden for a local cluster\n" + new YAMLMapper().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.pgwarden.agent.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdSecurity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One agent's whole configuration, one YAML file per node (conf/node1.yml documents each key).
 * Names in YAML are the snake_case of the components. Every key but {@code name}, {@code scope} and
 * {@code postgresql.data_dir} has a default; {@link AgentConfigLoader} checks the values.
 *
 * @param ttl          leader lease, seconds; the cluster's {@code config} key wins once it exists
 * @param loopWait     seconds between HA loop runs (the loop also wakes on every change under the scope)
 * @param retryTimeout seconds an etcd or PostgreSQL operation may take before the agent gives up on it
 */
public record AgentConfig(String name, String scope, String namespace, @JsonAlias("etcd3") Etcd etcd, Integer ttl,
                          Integer loopWait,
                          Integer retryTimeout, Postgresql postgresql, RestApi restapi, Tags tags,
                          Bootstrap bootstrap, Watchdog watchdog) {

    public AgentConfig {
        namespace = Objects.requireNonNullElse(namespace, "/service/");
        etcd = Objects.requireNonNullElseGet(etcd, () -> new Etcd(null));
        ttl = Objects.requireNonNullElse(ttl, 30);
        loopWait = Objects.requireNonNullElse(loopWait, 10);
        retryTimeout = Objects.requireNonNullElse(retryTimeout, 10);
        postgresql = Objects.requireNonNullElseGet(postgresql,
                () -> new Postgresql(null, null, null, null, null, null, null, null, null, null, null, null, null, null));
        restapi = Objects.requireNonNullElseGet(restapi, () -> new RestApi(null, null, null, null, null, null, null, null));
        tags = Objects.requireNonNullElseGet(tags, () -> new Tags(null, null, null, null, null));
        bootstrap = Objects.requireNonNullElseGet(bootstrap, () -> new Bootstrap(null, null));
        watchdog = Objects.requireNonNullElseGet(watchdog, () -> new Watchdog(null, null, null));
    }

    /**
     * How the agent reaches etcd, with the keys of Patroni's {@code etcd3} section (which is also
     * accepted as the section's name).
     *
     * @param hosts    etcd client URLs, {@code http://host:port} or {@code https://host:port}, or
     *                 Patroni's {@code host:port} (then {@code protocol} says which); 3-5 members in production
     * @param protocol {@code http} or {@code https}; default: what the URLs say, http for bare host:port
     * @param cacert   PEM CA certificate(s) etcd's certificate must be signed by (https)
     * @param cert     PEM client certificate, for etcd's {@code --client-cert-auth}
     * @param key      its unencrypted PEM private key
     * @param username etcd user, when etcd's authentication is on
     * @param password that user's password
     */
    public record Etcd(List<String> hosts, String protocol, Path cacert, Path cert, Path key, String username,
                       String password) {
        public Etcd {
            hosts = hosts == null ? List.of(("https".equals(protocol) ? "https" : "http") + "://127.0.0.1:2379")
                    : List.copyOf(hosts);
        }

        public Etcd(List<String> hosts) {
            this(hosts, null, null, null, null, null, null);
        }

        public EtcdSecurity security() {
            return EtcdSecurity.of(cacert, cert, key, username, password);
        }

        /**
         * The endpoints and security as the agent's (and the ctl's) etcd client takes them; errors at
         * run time name the keys as {@code etcd.password in <source>}.
         *
         * @param source the config file, for those errors
         * @throws io.pgwarden.discovery.etcd.EtcdConfigException if a setting cannot work (the loader
         *         has checked a loaded config already)
         */
        public EtcdAccess access(String source) {
            return EtcdAccess.parse("hosts", hosts, protocol, security()).from("etcd.", source);
        }

        @Override
        public String toString() {
            return "Etcd[hosts=" + hosts + ", protocol=" + protocol + ", " + security().describe() + "]";
        }
    }

    /**
     * The PostgreSQL server this agent runs.
     *
     * @param binDir                            where initdb, pg_ctl, pg_basebackup, pg_rewind live
     * @param dataDir                           PGDATA; created by initdb or pg_basebackup when empty
     * @param listen                            {@code host:port} PostgreSQL listens on
     * @param connectAddress                    {@code host:port} others reach it at (conn_url); default
     *                                          {@code listen}
     * @param parameters                        postgresql.conf settings for this node (the cluster-wide
     *                                          ones come from {@code bootstrap.dcs.postgresql.parameters})
     * @param pgHba                             pg_hba.conf lines, in order
     * @param superuser                         used by the agent itself (local queries, pg_rewind source)
     * @param replication                       used by standbys to stream (and by pg_basebackup)
     * @param rewind                            used by pg_rewind on a former primary; default the superuser
     * @param osUser                            when the agent runs as root, PostgreSQL's commands run as
     *                                          this user (default {@code postgres}); ignored otherwise
     * @param primaryStartTimeout               seconds a crashed primary may take to come back before the
     *                                          agent gives up the leader key (default 10)
     * @param removeDataDirectoryOnRewindFailure re-clone with pg_basebackup when pg_rewind fails
     *                                          (default true)
     * @param callbacks                         Patroni's scripts run on start, stop, restart, role change
     * @param callbackTimeout                   seconds a callback script may run before it is killed
     *                                          (default 60; a pgwarden key, Patroni has no limit)
     */
    public record Postgresql(Path binDir, Path dataDir, String listen, String connectAddress,
                             Map<String, Object> parameters, List<String> pgHba, User superuser, User replication,
                             User rewind, String osUser, Integer primaryStartTimeout,
                             Boolean removeDataDirectoryOnRewindFailure, CallbackScripts callbacks,
                             Integer callbackTimeout) {
        public Postgresql {
            callbacks = Objects.requireNonNullElseGet(callbacks, () -> new CallbackScripts(null, null, null, null));
            callbackTimeout = Objects.requireNonNullElse(callbackTimeout, 60);
            binDir = Objects.requireNonNullElse(binDir, Path.of("/usr/lib/postgresql/15/bin"));
            listen = Objects.requireNonNullElse(listen, "127.0.0.1:5432");
            connectAddress = Objects.requireNonNullElse(connectAddress, listen);
            parameters = parameters == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
            pgHba = pgHba == null ? List.of(
                    "local all all trust",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host replication all 127.0.0.1/32 scram-sha-256") : List.copyOf(pgHba);
            superuser = Objects.requireNonNullElseGet(superuser, () -> new User("postgres", "postgres"));
            replication = Objects.requireNonNullElseGet(replication, () -> new User("replicator", "replicator"));
            rewind = Objects.requireNonNullElse(rewind, superuser);
            osUser = Objects.requireNonNullElse(osUser, "postgres");
            primaryStartTimeout = Objects.requireNonNullElse(primaryStartTimeout, 10);
            removeDataDirectoryOnRewindFailure = Objects.requireNonNullElse(removeDataDirectoryOnRewindFailure, true);
        }

        public String host() {
            return HostPort.host(listen);
        }

        public int port() {
            return HostPort.port(listen);
        }

        public String connectHost() {
            return HostPort.host(connectAddress);
        }

        public int connectPort() {
            return HostPort.port(connectAddress);
        }
    }

    /**
     * {@code postgresql.callbacks}: a command line per event (split as a shell would, no shell run), called
     * with the arguments {@code <action> <role> <scope>} as Patroni 3.0.2 calls them.
     */
    public record CallbackScripts(String onStart, String onStop, String onRestart, String onRoleChange) {

        /** The configured command lines by YAML key, in a fixed order; absent ones left out. */
        public Map<String, String> byKey() {
            Map<String, String> all = new LinkedHashMap<>();
            putIfSet(all, "on_start", onStart);
            putIfSet(all, "on_stop", onStop);
            putIfSet(all, "on_restart", onRestart);
            putIfSet(all, "on_role_change", onRoleChange);
            return all;
        }

        private static void putIfSet(Map<String, String> map, String key, String value) {
            if (value != null) {
                map.put(key, value);
            }
        }
    }

    public record User(String username, String password) {
        public User {
            Objects.requireNonNull(username, "username");
            password = Objects.requireNonNullElse(password, "");
        }
    }

    /**
     * The Patroni-compatible REST API, with Patroni's key names.
     *
     * @param listen          {@code host:port} to bind
     * @param connectAddress  {@code host:port} others reach it at (api_url); default {@code listen}
     * @param authentication  basic-auth user for the control endpoints (every POST, PUT, PATCH, DELETE);
     *                        null: they are open, as in Patroni
     * @param certfile        PEM certificate (the server's first, then its chain): serve HTTPS; null: HTTP
     * @param keyfile         PEM private key; default: the key in {@code certfile}
     * @param keyfilePassword the key's password, when it is encrypted
     * @param cafile          PEM CA certificates client certificates must chain to (and peers' for the
     *                        agent's own requests)
     * @param verifyClient    {@code none} (default), {@code optional} or {@code required}: client certificates
     */
    public record RestApi(String listen, String connectAddress, User authentication, Path certfile, Path keyfile,
                          String keyfilePassword, Path cafile, String verifyClient) {
        public RestApi {
            listen = Objects.requireNonNullElse(listen, "127.0.0.1:8008");
            connectAddress = Objects.requireNonNullElse(connectAddress, listen);
            verifyClient = Objects.requireNonNullElse(verifyClient, "none");
        }

        public RestApi(String listen, String connectAddress) {
            this(listen, connectAddress, null, null, null, null, null, null);
        }

        /** Whether it serves HTTPS. */
        public boolean tls() {
            return certfile != null;
        }

        /** The TLS files, when it serves HTTPS. */
        public java.util.Optional<io.pgwarden.agent.tls.TlsFiles> tlsFiles() {
            return tls() ? java.util.Optional.of(new io.pgwarden.agent.tls.TlsFiles(certfile, keyfile, keyfilePassword,
                    cafile, io.pgwarden.agent.tls.TlsFiles.VerifyClient.parse(verifyClient))) : java.util.Optional.empty();
        }

        /** {@code http(s)://<connect_address>/patroni}, what Patroni writes as {@code api_url}. */
        public String apiUrl() {
            return (tls() ? "https://" : "http://") + connectAddress + "/patroni";
        }
    }

    /**
     * Patroni's tags.
     *
     * @param clonefrom        other nodes prefer this one as their pg_basebackup source
     * @param failoverPriority higher wins among equally advanced candidates; 0 = never promoted
     */
    public record Tags(Boolean nofailover, Boolean noloadbalance, Boolean clonefrom, Boolean nosync,
                       Integer failoverPriority) {
        public Tags {
            nofailover = Objects.requireNonNullElse(nofailover, false);
            noloadbalance = Objects.requireNonNullElse(noloadbalance, false);
            clonefrom = Objects.requireNonNullElse(clonefrom, false);
            nosync = Objects.requireNonNullElse(nosync, false);
            failoverPriority = Objects.requireNonNullElse(failoverPriority, 1);
        }

        /** May this node be promoted at all. */
        public boolean mayBePromoted() {
            return !nofailover && failoverPriority > 0;
        }

        /** As Patroni writes them in the member key: only tags that are set. */
        public Map<String, Object> asMemberTags() {
            Map<String, Object> tags = new LinkedHashMap<>();
            if (nofailover) {
                tags.put("nofailover", true);
            }
            if (noloadbalance) {
                tags.put("noloadbalance", true);
            }
            if (clonefrom) {
                tags.put("clonefrom", true);
            }
            if (nosync) {
                tags.put("nosync", true);
            }
            if (failoverPriority != 1) {
                tags.put("failover_priority", failoverPriority);
            }
            return tags;
        }
    }

    /**
     * What the agent that initializes the cluster does.
     *
     * @param initdb options for initdb, Patroni style: {@code data-checksums}, {@code encoding=UTF8}
     * @param dcs    the cluster-wide settings written to the {@code config} key
     */
    public record Bootstrap(List<String> initdb, Dcs dcs) {
        public Bootstrap {
            initdb = initdb == null ? List.of("data-checksums", "encoding=UTF8") : List.copyOf(initdb);
            dcs = Objects.requireNonNullElseGet(dcs, () -> new Dcs(null, null, null, null, null, null, null));
        }
    }

    /**
     * The initial dynamic configuration ({@code config} key).
     *
     * @param synchronousMode       {@code off}, {@code on} or {@code quorum}
     * @param synchronousModeStrict with no synchronous standby left, writes wait instead of going
     *                              asynchronous
     * @param postgresql            {@code parameters: {...}} for every node
     */
    public record Dcs(Integer ttl, Integer loopWait, Integer retryTimeout, Long maximumLagOnFailover,
                      String synchronousMode, Boolean synchronousModeStrict, Map<String, Object> postgresql) {
        public Dcs {
            maximumLagOnFailover = Objects.requireNonNullElse(maximumLagOnFailover, 1_048_576L);
            synchronousMode = Objects.requireNonNullElse(synchronousMode, "off");
            synchronousModeStrict = Objects.requireNonNullElse(synchronousModeStrict, false);
            postgresql = postgresql == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(postgresql));
        }
    }

    /**
     * Patroni's watchdog: the leader keeps {@code device} fed only while its lease is valid.
     *
     * @param mode          {@code off}, {@code automatic} (use it if it opens) or {@code required}
     *                      (never become leader without it)
     * @param safetyMargin  seconds before the lease ends at which the device must fire
     */
    public record Watchdog(String mode, Path device, Integer safetyMargin) {
        public Watchdog {
            mode = Objects.requireNonNullElse(mode, "off");
            device = Objects.requireNonNullElse(device, Path.of("/dev/watchdog"));
            safetyMargin = Objects.requireNonNullElse(safetyMargin, 5);
        }
    }
}

package io.pgwarden.router.config;

import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The router's whole configuration, one YAML file. Every section and key has a safe default;
 * conf/router.yml documents each one. Names in YAML are the snake_case of the components.
 */
public record RouterConfig(Listen listen, Topology topology, Auth auth, Pool pool, Limits limits,
                           Routing routing, Server server, Dcs dcs, Admin admin, Tls tls) {

    /** A config without a topology store: the static topology rules. */
    public RouterConfig(Listen listen, Topology topology, Auth auth, Pool pool, Limits limits, Routing routing,
                        Server server) {
        this(listen, topology, auth, pool, limits, routing, server, null, null);
    }

    public RouterConfig(Listen listen, Topology topology, Auth auth, Pool pool, Limits limits, Routing routing,
                        Server server, Dcs dcs) {
        this(listen, topology, auth, pool, limits, routing, server, dcs, null);
    }

    /** A config with client TLS off. */
    public RouterConfig(Listen listen, Topology topology, Auth auth, Pool pool, Limits limits, Routing routing,
                        Server server, Dcs dcs, Admin admin) {
        this(listen, topology, auth, pool, limits, routing, server, dcs, admin, null);
    }

    public RouterConfig {
        admin = Objects.requireNonNullElseGet(admin, () -> new Admin(null, null));
        dcs = Objects.requireNonNullElseGet(dcs, () -> new Dcs(null, null, null, null, null, null));
        listen = Objects.requireNonNullElseGet(listen, () -> new Listen(null, null, null, null, null));
        topology = Objects.requireNonNullElseGet(topology, () -> new Topology(null, null));
        auth = Objects.requireNonNullElseGet(auth, () -> new Auth(null, null));
        pool = Objects.requireNonNullElseGet(pool, () -> new Pool(null, null, null, null, null, null, null, null, null));
        limits = Objects.requireNonNullElseGet(limits, () -> new Limits(null, null, null, null));
        routing = Objects.requireNonNullElseGet(routing, () -> new Routing(null, null, null, null));
        server = Objects.requireNonNullElseGet(server, () -> new Server(null));
        tls = Objects.requireNonNullElseGet(tls, () -> new Tls(null, null, null, null, null, null));
    }

    /**
     * Where clients connect: the primary port always reaches the leader, the replica port the replicas.
     *
     * @param ioThreads event-loop threads; 0 picks half the cores (at least one), leaving the rest
     *                  to the kernel's network work, which is most of a pooler's cost
     * @param transport {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}: the sockets' Netty transport
     */
    public record Listen(String host, Integer primaryPort, Integer replicaPort, Integer ioThreads, String transport) {
        public Listen {
            host = Objects.requireNonNullElse(host, "127.0.0.1");
            primaryPort = Objects.requireNonNullElse(primaryPort, 5000);
            replicaPort = Objects.requireNonNullElse(replicaPort, 5001);
            ioThreads = Objects.requireNonNullElse(ioThreads, 0);
            transport = Objects.requireNonNullElse(transport, "epoll"); // until the bench shows io_uring faster here
        }

        public Listen(String host, Integer primaryPort, Integer replicaPort, Integer ioThreads) {
            this(host, primaryPort, replicaPort, ioThreads, null);
        }

        public Listen(String host, Integer primaryPort, Integer replicaPort) {
            this(host, primaryPort, replicaPort, null);
        }

        /** The thread count to use: the configured one, or half the cores. */
        public int effectiveIoThreads() {
            return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
    }

    /** A static topology: the members as written here, until a dynamic source replaces it. */
    public record Topology(String cluster, List<Member> members) {
        public Topology {
            cluster = Objects.requireNonNullElse(cluster, "pgwarden");
            members = members == null ? List.of() : List.copyOf(members);
        }
    }

    /** @param role {@code primary} or {@code replica} */
    public record Member(String name, String host, Integer port, String role) {
        public Member {
            host = Objects.requireNonNullElse(host, "127.0.0.1");
            port = Objects.requireNonNullElse(port, 5432);
            role = Objects.requireNonNullElse(role, "replica");
        }
    }

    /**
     * @param file userlist.txt-style secrets, relative to the config file's folder
     * @param hba  rules tried in order; the first that matches decides the method
     */
    public record Auth(Path file, List<HbaEntry> hba) {
        public Auth {
            hba = hba == null || hba.isEmpty()
                    ? List.of(new HbaEntry(null, null, null, null))
                    : List.copyOf(hba);
        }
    }

    /**
     * @param method {@code scram-sha-256}, {@code md5}, {@code trust} or {@code reject}
     * @param tls    true: only clients on TLS match (hostssl); false: only plain ones (hostnossl); null: both
     */
    public record HbaEntry(String database, String user, String address, String method, Boolean tls) {
        public HbaEntry {
            database = Objects.requireNonNullElse(database, "all");
            user = Objects.requireNonNullElse(user, "all");
            address = Objects.requireNonNullElse(address, "all");
            method = Objects.requireNonNullElse(method, "scram-sha-256");
        }

        public HbaEntry(String database, String user, String address, String method) {
            this(database, user, address, method, null);
        }
    }

    /**
     * @param mode                  {@code session} or {@code transaction}, unless an override says otherwise
     * @param maxPreparedStatements per server connection, in transaction mode; the least recently
     *                              used is closed beyond it
     * @param overrides             per database and/or user; the first match sets the mode
     */
    public record Pool(String mode, Integer minSize, Integer maxSize, Duration idleTimeout,
                       Duration maxLifetime, Duration poolTimeout, String resetQuery,
                       Integer maxPreparedStatements, List<PoolOverride> overrides) {
        public Pool {
            maxPreparedStatements = Objects.requireNonNullElse(maxPreparedStatements, 256);
            overrides = overrides == null ? List.of() : List.copyOf(overrides);
            mode = Objects.requireNonNullElse(mode, "session");
            minSize = Objects.requireNonNullElse(minSize, 0);
            maxSize = Objects.requireNonNullElse(maxSize, 20);
            idleTimeout = Objects.requireNonNullElse(idleTimeout, Duration.ofMinutes(10));
            maxLifetime = Objects.requireNonNullElse(maxLifetime, Duration.ofHours(1));
            poolTimeout = Objects.requireNonNullElse(poolTimeout, Duration.ofSeconds(30));
            resetQuery = Objects.requireNonNullElse(resetQuery, "DISCARD ALL");
        }

        /** A pool section without prepared-statement bound or overrides (both at their defaults). */
        public Pool(String mode, Integer minSize, Integer maxSize, Duration idleTimeout,
                    Duration maxLifetime, Duration poolTimeout, String resetQuery) {
            this(mode, minSize, maxSize, idleTimeout, maxLifetime, poolTimeout, resetQuery, null, null);
        }
    }

    /** A pool mode for some databases and users ({@code all} or a comma-separated list). */
    public record PoolOverride(String database, String user, String mode) {
        public PoolOverride {
            database = Objects.requireNonNullElse(database, "all");
            user = Objects.requireNonNullElse(user, "all");
            Objects.requireNonNull(mode, "mode");
        }
    }

    /**
     * @param maxClientConn      clients across both ports
     * @param maxUserConnections clients per user; 0 for no limit
     * @param maxMessageSize     the largest message a client may send
     * @param authTimeout        time a client has to finish logging in
     */
    public record Limits(Integer maxClientConn, Integer maxUserConnections, DataSize maxMessageSize,
                         Duration authTimeout) {
        public Limits {
            maxClientConn = Objects.requireNonNullElse(maxClientConn, 1000);
            maxUserConnections = Objects.requireNonNullElse(maxUserConnections, 0);
            maxMessageSize = Objects.requireNonNullElse(maxMessageSize, new DataSize(64L * 1024 * 1024));
            authTimeout = Objects.requireNonNullElse(authTimeout, Duration.ofSeconds(60));
        }
    }

    /**
     * @param replicaFallbackToPrimary send replica-port clients to the primary when no replica is up
     * @param maxLag                   replicas lagging more than this get no new reads
     * @param fenceReplicasOnIsolation stop replica reads too while the topology store is unreachable
     * @param connectWaitTimeout       how long new primary-port work waits for a primary (switchover)
     */
    public record Routing(Boolean replicaFallbackToPrimary, DataSize maxLag, Boolean fenceReplicasOnIsolation,
                          Duration connectWaitTimeout) {
        public Routing {
            replicaFallbackToPrimary = Objects.requireNonNullElse(replicaFallbackToPrimary, false);
            maxLag = Objects.requireNonNullElse(maxLag, new DataSize(16L * 1024 * 1024));
            fenceReplicasOnIsolation = Objects.requireNonNullElse(fenceReplicasOnIsolation, false);
            connectWaitTimeout = Objects.requireNonNullElse(connectWaitTimeout, Duration.ofSeconds(30));
        }

        public Routing(Boolean replicaFallbackToPrimary) {
            this(replicaFallbackToPrimary, null, null, null);
        }
    }

    /**
     * The topology store: when {@code etcd} lists endpoints, the router follows the Patroni
     * cluster {@code scope} there instead of the static {@code topology.members}. TLS and user take
     * the keys of Patroni's {@code etcd3} section, as the agent does.
     *
     * @param etcd             endpoints: {@code http://host:port}, {@code https://host:port} or
     *                         {@code host:port} (then {@code protocol} says which)
     * @param isolationTimeout no successful round trip with etcd for this long = no leader
     * @param ttl              the cluster's leader TTL, to check isolationTimeout against
     * @param protocol         {@code http} or {@code https} for bare {@code host:port} endpoints
     * @param cacert           PEM CA certificate(s) etcd's certificate must be signed by (https)
     * @param cert             PEM client certificate for etcd's {@code --client-cert-auth}; needs {@code key}
     * @param key              its unencrypted PEM private key
     * @param username         etcd user when etcd's authentication is on; needs {@code password}
     */
    public record Dcs(List<String> etcd, String namespace, String scope, Duration checkInterval,
                      Duration isolationTimeout, Duration ttl, String protocol, Path cacert, Path cert, Path key,
                      String username, String password) {
        public Dcs {
            etcd = etcd == null ? List.of() : List.copyOf(etcd);
            namespace = Objects.requireNonNullElse(namespace, "/service/");
            checkInterval = Objects.requireNonNullElse(checkInterval, Duration.ofSeconds(1));
            isolationTimeout = Objects.requireNonNullElse(isolationTimeout, Duration.ofSeconds(10));
            ttl = Objects.requireNonNullElse(ttl, Duration.ofSeconds(30));
        }

        /** Plain etcd, no TLS files, no user. */
        public Dcs(List<String> etcd, String namespace, String scope, Duration checkInterval,
                   Duration isolationTimeout, Duration ttl) {
            this(etcd, namespace, scope, checkInterval, isolationTimeout, ttl, null, null, null, null, null, null);
        }

        public boolean enabled() {
            return !etcd.isEmpty();
        }

        public EtcdSecurity security() {
            return EtcdSecurity.of(cacert, cert, key, username, password);
        }

        /**
         * The endpoints and security as the router's (and the ctl's) etcd client takes them; errors
         * at run time name the keys as {@code dcs.password in <source>}.
         *
         * @throws io.pgwarden.discovery.etcd.EtcdConfigException if a setting cannot work (the
         *         loader has checked a loaded config already)
         */
        public EtcdAccess access(String source) {
            return EtcdAccess.parse("etcd", etcd, protocol, security()).from("dcs.", source);
        }

        /** The same endpoints and settings with other TLS files and user (tests, the ctl's flags). */
        public Dcs withSecurity(String protocol, Path cacert, Path cert, Path key, String username, String password) {
            return new Dcs(etcd, namespace, scope, checkInterval, isolationTimeout, ttl, protocol, cacert, cert, key,
                    username, password);
        }

        @Override
        public String toString() {
            return "Dcs[etcd=" + etcd + ", namespace=" + namespace + ", scope=" + scope + ", checkInterval="
                    + checkInterval + ", isolationTimeout=" + isolationTimeout + ", ttl=" + ttl + ", protocol="
                    + protocol + ", " + security().describe() + "]";
        }
    }

    /**
     * The admin HTTP endpoint ({@code /metrics}, {@code /health}; port 0 turns it off) and the admin
     * console: a virtual database on both client ports ({@code psql -U admin pgwarden}).
     *
     * @param database     the console's database name
     * @param users        who may use the console (they log in as every client does); empty = console off
     * @param pauseTimeout how long {@code PAUSE} waits for the server connections to be given back
     */
    public record Admin(String host, Integer httpPort, String database, List<String> users, Duration pauseTimeout) {
        public Admin {
            host = Objects.requireNonNullElse(host, "127.0.0.1");
            httpPort = Objects.requireNonNullElse(httpPort, 0);
            database = Objects.requireNonNullElse(database, "pgwarden");
            users = users == null ? List.of() : List.copyOf(users);
            pauseTimeout = Objects.requireNonNullElse(pauseTimeout, Duration.ofSeconds(30));
        }

        public Admin(String host, Integer httpPort) {
            this(host, httpPort, null, null, null);
        }

        /** Whether anyone may use the admin console. */
        public boolean consoleEnabled() {
            return !users.isEmpty();
        }
    }

    /**
     * @param connectTimeout for a new server connection; the login that follows gets as long again
     * @param tls            TLS to PostgreSQL: {@code disable}, {@code prefer}, {@code require} or {@code verify-full}
     * @param tlsCaFile      for {@code verify-full}: PEM CA certificates to trust, relative to the config
     *                       file's folder; none = the JVM's default trust store
     */
    public record Server(Duration connectTimeout, String tls, Path tlsCaFile) {
        public Server {
            connectTimeout = Objects.requireNonNullElse(connectTimeout, Duration.ofSeconds(5));
            tls = Objects.requireNonNullElse(tls, "disable");
        }

        public Server(Duration connectTimeout) {
            this(connectTimeout, null, null);
        }
    }

    /**
     * TLS for clients, answering their SSLRequest. Paths are relative to the config file's folder.
     *
     * @param mode        {@code disable} ('N': plain only), {@code allow} (TLS or plain) or {@code require}
     *                    (TLS only), for both ports unless overridden
     * @param primaryMode overrides {@code mode} on the primary port; null = {@code mode}
     * @param replicaMode overrides {@code mode} on the replica port; null = {@code mode}
     * @param certFile    PEM certificate chain the router presents
     * @param keyFile     its unencrypted PEM (PKCS#8) private key
     * @param caFile      optional PEM CA certificates: clients are then asked for a certificate, and
     *                    one they present must be signed by these (PostgreSQL's ssl_ca_file)
     */
    public record Tls(String mode, String primaryMode, String replicaMode, Path certFile, Path keyFile, Path caFile) {
        public Tls {
            mode = Objects.requireNonNullElse(mode, "disable");
        }

        public String effectivePrimaryMode() {
            return Objects.requireNonNullElse(primaryMode, mode);
        }

        public String effectiveReplicaMode() {
            return Objects.requireNonNullElse(replicaMode, mode);
        }

        /** Whether any port answers an SSLRequest with 'S'. */
        public boolean enabled() {
            return !"disable".equals(effectivePrimaryMode()) || !"disable".equals(effectiveReplicaMode());
        }
    }
}

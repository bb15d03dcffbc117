package io.pgwarden.bench.failover;

import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.HaproxyServer;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A fresh three-member cluster with its own etcd, as one stack runs it, and the faults the scenarios
 * inject into it. Members are named by the stack ({@code pg0}, {@code node1}); "the agent" is Patroni
 * or a pgwarden agent.
 */
interface ClusterUnderTest extends AutoCloseable {

    EtcdServer etcd();

    /** The DCS namespace and scope, for the router's configuration. */
    String namespace();

    String scope();

    /** The full leader key, e.g. {@code /service/demo/leader}, for the bench's own watch. */
    String leaderKey();

    /** Which member listens on which PostgreSQL port. */
    Map<Integer, String> nodeByPort();

    int pgPort(String node);

    /** Members for HAProxy to check on their REST API, or empty if this stack is not measured behind HAProxy. */
    List<HaproxyServer.Backend> haproxyBackends();

    /**
     * Waits until a member holds the leader key and serves as a primary; returns its name.
     *
     * @throws IllegalStateException on timeout
     */
    String awaitLeader(Duration timeout);

    /** As {@link #awaitLeader}, for a member other than {@code old}. */
    String awaitNewLeader(String old, Duration timeout);

    /**
     * Waits until there is a leader, every other member streams from it, and with synchronous_mode on a
     * synchronous standby is named for it.
     *
     * @throws IllegalStateException on timeout
     */
    void awaitHealthy(Duration timeout);

    /** A connection to the member's PostgreSQL as the superuser. */
    Connection connect(String node) throws SQLException;

    /** kill -9 of the member's agent and PostgreSQL. */
    void crashNode(String node);

    /** Starts the member's agent again after {@link #crashNode}. */
    void startNode(String node);

    /** kill -9 of the member's postmaster and its children; the agent keeps running. */
    void crashPostgres(String node);

    /** SIGSTOP of the member's agent; returns its pid. */
    long freezeAgent(String node);

    /** SIGCONT of what {@link #freezeAgent} stopped. */
    void thawAgent(String node);

    /**
     * A planned switchover, as the stack's operators ask for one; returns the new leader once it serves.
     *
     * @throws IllegalStateException if the stack refuses or does not complete it
     */
    String switchover();

    /** Copies the agents' and etcd's logs into {@code dir}, to be read after the cluster is gone. */
    void saveLogs(Path dir);

    /** Stops everything and deletes the cluster's files; never throws. */
    @Override
    void close();
}

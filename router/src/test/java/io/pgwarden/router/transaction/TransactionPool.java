package io.pgwarden.router.transaction;

import io.pgwarden.pool.PoolStats;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** What the transaction-mode tests share: a router in transaction mode and JDBC shorthands. */
final class TransactionPool {

    /** Bounds every socket read, so a lost reply fails the test instead of hanging it. */
    static final int NETWORK_TIMEOUT_MILLIS = 30_000;

    private TransactionPool() {
    }

    /** A lone primary behind a router whose every pool is in transaction mode with at most {@code maxSize} connections. */
    static RouterFixture start(int maxSize) throws Exception {
        return RouterFixture.start(0, cfg -> new RouterConfig(cfg.listen(), cfg.topology(), cfg.auth(),
                new RouterConfig.Pool("transaction", 0, maxSize, null, null, Duration.ofSeconds(30), null),
                cfg.limits(), cfg.routing(), cfg.server()));
    }

    /** A JDBC connection through the primary port with extra driver properties. */
    static Connection connect(RouterFixture fixture, Map<String, String> properties) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        properties.forEach(props::setProperty);
        Connection c = DriverManager.getConnection(fixture.jdbcUrl(fixture.primaryPort(), "postgres"), props);
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
        return c;
    }

    static Connection connect(RouterFixture fixture) throws SQLException {
        return connect(fixture, Map.of());
    }

    static Connection connectDirect(RouterFixture fixture) throws SQLException {
        Connection c = fixture.connectDirect();
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
        return c;
    }

    /** Server connections the router holds, over all its pools. */
    static int serverConnections(RouterFixture fixture) {
        return fixture.router().poolStats().stream().mapToInt(PoolStats::total).sum();
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the only row {@code sql} returns. */
    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new AssertionError("no row from " + sql);
            }
            String value = rs.getString(1);
            if (rs.next()) {
                throw new AssertionError("more than one row from " + sql);
            }
            return value;
        }
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        return Long.parseLong(queryString(c, sql));
    }

    static int backendPid(Connection c) throws SQLException {
        return (int) queryLong(c, "select pg_backend_pid()");
    }
}

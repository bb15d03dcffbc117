package io.pgwarden.router.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The exposition an operator scrapes: names in Prometheus' conventions, and the values behind them. */
class RouterMetricsTest {

    private final RouterMetrics metrics = new RouterMetrics();

    private static void roundTrip(ClientTraffic client) {
        ByteBuf query = Unpooled.buffer().writeByte('Q').writeInt(13).writeBytes("select 1\0".getBytes());
        ByteBuf ready = Unpooled.buffer().writeByte('Z').writeInt(5).writeByte('I');
        try {
            client.received(query);
            client.sent(ready);
        } finally {
            query.release();
            ready.release();
        }
    }

    @Test
    void trafficIsExposedPerDatabaseAndUserWithCountersTimersAndPercentiles() {
        ClientTraffic client = metrics.client(ListenerRole.PRIMARY, "app", "alice");
        client.checkoutStarted();
        client.checkoutEnded();
        client.loggedIn();
        roundTrip(client);
        roundTrip(client);

        String text = metrics.scrape();
        String pool = "{database=\"app\",user=\"alice\"}";
        assertThat(text)
                .contains("# TYPE pgwarden_client_received_bytes_total counter")
                .contains("pgwarden_client_received_bytes_total" + pool + " 28.0")
                .contains("pgwarden_client_sent_bytes_total" + pool + " 12.0")
                .contains("pgwarden_queries_total" + pool + " 2.0")
                .contains("pgwarden_transactions_total" + pool + " 2.0")
                .contains("# TYPE pgwarden_query_duration_seconds summary")
                .contains("pgwarden_query_duration_seconds_count" + pool + " 2")
                .contains("pgwarden_query_duration_seconds{database=\"app\",user=\"alice\",quantile=\"0.5\"}")
                .contains("pgwarden_query_duration_seconds{database=\"app\",user=\"alice\",quantile=\"0.95\"}")
                .contains("pgwarden_query_duration_seconds{database=\"app\",user=\"alice\",quantile=\"0.99\"}")
                .contains("pgwarden_transaction_duration_seconds_count" + pool + " 2")
                .contains("pgwarden_pool_wait_seconds_count" + pool + " 1")
                .contains("pgwarden_pool_wait_seconds{database=\"app\",user=\"alice\",quantile=\"0.99\"}")
                .contains("pgwarden_listener_clients{listener=\"primary\"} 1.0")
                .contains("pgwarden_listener_clients{listener=\"replica\"} 0.0");
        assertThat(metrics.traffic()).singleElement().satisfies(t -> {
            assertThat(t.database()).isEqualTo("app");
            assertThat(t.user()).isEqualTo("alice");
            assertThat(t.queries()).isEqualTo(2);
            assertThat(t.transactions()).isEqualTo(2);
            assertThat(t.bytesReceived()).isEqualTo(28);
            assertThat(t.bytesSent()).isEqualTo(12);
        });

        client.closed();
        assertThat(metrics.listenerClients(ListenerRole.PRIMARY)).isZero();
    }

    @Test
    void authFailuresAreCountedByReasonAndEveryReasonIsExposedFromTheStart() {
        assertThat(metrics.scrape()).contains("pgwarden_auth_failures_total{reason=\"wrong_password\"} 0.0",
                "pgwarden_auth_failures_total{reason=\"unknown_user\"} 0.0",
                "pgwarden_auth_failures_total{reason=\"hba_reject\"} 0.0",
                "pgwarden_auth_failures_total{reason=\"timeout\"} 0.0",
                "pgwarden_auth_failures_total{reason=\"protocol_violation\"} 0.0",
                "pgwarden_auth_failures_total{reason=\"server_rejected\"} 0.0");

        AuthenticationFailedException wrong = new AuthenticationFailedException(
                AuthenticationFailedException.Reason.INVALID_CREDENTIALS, "password authentication failed");
        metrics.authFailed(AuthFailure.of(wrong, true));
        metrics.authFailed(AuthFailure.of(wrong, false));
        metrics.authFailed(AuthFailure.of(wrong, false));
        metrics.authFailed(AuthFailure.of(new AuthenticationFailedException(
                AuthenticationFailedException.Reason.PROTOCOL_VIOLATION, "bad SASL"), true));
        metrics.serverLoginFailed("28P01");
        metrics.serverLoginFailed("3D000");

        assertThat(metrics.authFailures(AuthFailure.WRONG_PASSWORD)).isEqualTo(1.0);
        assertThat(metrics.authFailures(AuthFailure.UNKNOWN_USER)).isEqualTo(2.0);
        assertThat(metrics.authFailures(AuthFailure.PROTOCOL_VIOLATION)).isEqualTo(1.0);
        assertThat(metrics.authFailures(AuthFailure.SERVER_REJECTED)).isEqualTo(1.0);
        assertThat(metrics.scrape()).contains("pgwarden_auth_failures_total{reason=\"unknown_user\"} 2.0");
    }

    @Test
    void poolGaugesShowServerConnectionsByStateAndActiveAndWaitingClients() {
        PoolKey key = new PoolKey("pg0", "127.0.0.1", 5432, "app", "alice");
        // 5 connections: 3 handed out, of which 1 still connecting; 2 idle; 4 clients queued.
        metrics.bindPools(() -> List.of(new PoolStats(key, 5, 3, 2, 4, 1)), () -> 7);

        String labels = "database=\"app\",node=\"pg0\"";
        assertThat(metrics.scrape())
                .contains("pgwarden_clients 7.0")
                .contains("pgwarden_pool_server_connections{" + labels + ",state=\"active\",user=\"alice\"} 2.0")
                .contains("pgwarden_pool_server_connections{" + labels + ",state=\"idle\",user=\"alice\"} 2.0")
                .contains("pgwarden_pool_server_connections{" + labels + ",state=\"connecting\",user=\"alice\"} 1.0")
                .contains("pgwarden_pool_active_clients{" + labels + ",user=\"alice\"} 2.0")
                .contains("pgwarden_pool_waiting_clients{" + labels + ",user=\"alice\"} 4.0");
    }

    @Test
    void protocolErrorsAreCountedByPhaseAndBothPhasesAreExposedFromTheStart() {
        assertThat(metrics.scrape()).contains("pgwarden_protocol_errors_total{phase=\"startup\"} 0.0",
                "pgwarden_protocol_errors_total{phase=\"session\"} 0.0");

        metrics.protocolError(ProtocolPhase.STARTUP);
        metrics.protocolError(ProtocolPhase.SESSION);
        metrics.protocolError(ProtocolPhase.SESSION);

        assertThat(metrics.protocolErrors(ProtocolPhase.STARTUP)).isEqualTo(1.0);
        assertThat(metrics.scrape()).contains("pgwarden_protocol_errors_total{phase=\"session\"} 2.0");
    }
}

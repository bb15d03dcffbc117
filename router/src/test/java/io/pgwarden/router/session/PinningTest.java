package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.pool.PoolMode;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.pinning.PinReason;
import io.pgwarden.router.routing.ListenerRole;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** A transaction-mode client is pinned by its first statement that changes session state, and counted once. */
class PinningTest {

    private final RouterMetrics metrics = new RouterMetrics();
    private final Pinning pinning = new Pinning(new ClientIdentity("app", "db", ListenerRole.PRIMARY, PoolMode.TRANSACTION,
            new InetSocketAddress("127.0.0.1", 40000), 0), metrics);

    private double pinned(PinReason reason) {
        return metrics.registry().find("pgwarden_pinned_clients").tag("reason", reason.tag()).gauge().value();
    }

    @Test
    void plainStatementsLeaveTheClientFree() {
        pinning.check("SELECT 1", null);
        pinning.check("INSERT INTO t VALUES (1)", null);
        assertThat(pinning.isPinned()).isFalse();
        assertThat(pinning.reason()).isNull();
    }

    @Test
    void theFirstStateChangePinsAndLaterOnesDoNotCountAgain() {
        pinning.check("SET search_path = app", null);
        pinning.check("LISTEN jobs", null);

        assertThat(pinning.reason()).isEqualTo(PinReason.SET);
        assertThat(pinned(PinReason.SET)).isEqualTo(1.0);
        assertThat(pinned(PinReason.LISTEN)).isZero();

        pinning.close();
        assertThat(pinned(PinReason.SET)).isZero();
    }

    @Test
    void aClientThatNeverPinnedLeavesTheGaugesAlone() {
        pinning.close();
        for (PinReason reason : PinReason.values()) {
            assertThat(pinned(reason)).isZero();
        }
    }
}

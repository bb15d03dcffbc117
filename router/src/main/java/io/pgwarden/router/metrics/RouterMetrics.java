package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.router.pinning.PinReason;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The router's meters, in one Prometheus registry. */
public final class RouterMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<PinReason, AtomicInteger> pinned = new EnumMap<>(PinReason.class);

    public RouterMetrics() {
        for (PinReason reason : PinReason.values()) {
            AtomicInteger count = new AtomicInteger();
            pinned.put(reason, count);
            Gauge.builder("pgwarden_pinned_clients", count, AtomicInteger::get)
                    .description("Transaction-mode clients pinned to their server connection, by reason")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
    }

    public void pinned(PinReason reason) {
        pinned.get(reason).incrementAndGet();
    }

    public void unpinned(PinReason reason) {
        pinned.get(reason).decrementAndGet();
    }

    public int pinnedClients(PinReason reason) {
        return pinned.get(reason).get();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }
}

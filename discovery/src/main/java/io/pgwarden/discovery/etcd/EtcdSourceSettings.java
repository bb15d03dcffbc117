package io.pgwarden.discovery.etcd;

import io.pgwarden.discovery.patroni.PatroniKeys;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link EtcdTopologySource} follows a cluster.
 *
 * @param access           etcd client URLs ({@code http://10.0.0.1:2379} or {@code https://...}; one
 *                         suffices, more are used for fail-over between etcd members), TLS files, user
 * @param namespace        Patroni's namespace, {@code /service/} by default
 * @param scope            Patroni's scope: the cluster's name
 * @param checkInterval    how often a linearizable read of the whole prefix is made, on top of the watch
 * @param isolationTimeout how long without a successful linearizable read before the topology is
 *                         marked unreachable (and the router fences the primary port); must stay below
 *                         the leader lease TTL by a margin, see {@link #checkAgainstTtl}
 */
public record EtcdSourceSettings(EtcdAccess access, String namespace, String scope, Duration checkInterval,
                                 Duration isolationTimeout) {

    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ISOLATION_TIMEOUT = Duration.ofSeconds(10);
    /**
     * What {@link #checkAgainstTtl(Duration)} keeps between the isolation timeout and the TTL: time to
     * publish the unreachable snapshot and fence, plus scheduling jitter, with room to spare.
     */
    public static final Duration DEFAULT_TTL_MARGIN = Duration.ofSeconds(2);

    public EtcdSourceSettings {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(isolationTimeout, "isolationTimeout");
        for (URI endpoint : access.endpoints()) {
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("etcd endpoint must be http://host:port or https://host:port, not "
                        + endpoint);
            }
        }
        new PatroniKeys(namespace, scope); // validates the scope
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("check interval must be positive, not " + checkInterval);
        }
        if (isolationTimeout.compareTo(checkInterval) <= 0) {
            throw new IllegalArgumentException("isolation timeout (" + millis(isolationTimeout)
                    + ") must be longer than the check interval (" + millis(checkInterval)
                    + "), or every read that is a little late would mark etcd unreachable");
        }
    }

    /** Plain http endpoints, no user. */
    public EtcdSourceSettings(List<URI> endpoints, String namespace, String scope, Duration checkInterval,
                              Duration isolationTimeout) {
        this(EtcdAccess.plain(Objects.requireNonNull(endpoints, "endpoints")), namespace, scope, checkInterval,
                isolationTimeout);
    }

    public List<URI> endpoints() {
        return access.endpoints();
    }

    /** Defaults: namespace {@code /service/}, reads every 1 s, isolated after 10 s. */
    public static EtcdSourceSettings of(List<URI> endpoints, String scope) {
        return new EtcdSourceSettings(endpoints, PatroniKeys.DEFAULT_NAMESPACE, scope, DEFAULT_CHECK_INTERVAL,
                DEFAULT_ISOLATION_TIMEOUT);
    }

    public PatroniKeys keys() {
        return new PatroniKeys(namespace, scope);
    }

    /** {@link #checkAgainstTtl(Duration, Duration, Duration)} for these settings, default margin. */
    public Optional<String> checkAgainstTtl(Duration ttl) {
        return checkAgainstTtl(isolationTimeout, ttl, DEFAULT_TTL_MARGIN);
    }

    /**
     * Whether an isolation timeout is safe for a leader lease TTL: the router must give up on the old
     * leader before any other node could be elected, so {@code isolationTimeout + margin <= ttl}.
     *
     * @return a message saying what is wrong and what would be right; empty when safe
     */
    public static Optional<String> checkAgainstTtl(Duration isolationTimeout, Duration ttl, Duration margin) {
        Objects.requireNonNull(isolationTimeout, "isolationTimeout");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(margin, "margin");
        if (isolationTimeout.plus(margin).compareTo(ttl) <= 0) {
            return Optional.empty();
        }
        return Optional.of("isolation timeout " + millis(isolationTimeout) + " is not safely below the leader TTL "
                + millis(ttl) + " (it must be at most TTL - " + millis(margin) + " = " + millis(ttl.minus(margin))
                + "): another node could be elected leader while this router still sends to the old one");
    }

    private static String millis(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}

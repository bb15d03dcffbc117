package io.pgwarden.ctl.connect;

import io.pgwarden.discovery.patroni.PatroniKeys;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Which cluster ctl works on and how to reach it: the etcd endpoints, Patroni's namespace and scope
 * (its keys live under {@code /<namespace>/<scope>/}), the members' REST APIs, and how long one
 * request to etcd or to a member may take.
 */
public record ClusterAddress(List<URI> etcd, String namespace, String scope, RestAccess rest, Duration timeout) {

    public ClusterAddress {
        etcd = List.copyOf(etcd);
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(rest, "rest");
        Objects.requireNonNull(timeout, "timeout");
        if (etcd.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    public PatroniKeys keys() {
        return new PatroniKeys(namespace, scope);
    }
}

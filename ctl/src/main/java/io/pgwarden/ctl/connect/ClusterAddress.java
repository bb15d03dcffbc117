package io.pgwarden.ctl.connect;

import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.patroni.PatroniKeys;

import java.time.Duration;
import java.util.Objects;

/**
 * Which cluster ctl works on and how to reach it: etcd (endpoints, TLS, user), Patroni's namespace and scope
 * (its keys live under {@code /<namespace>/<scope>/}), the members' REST APIs, and how long one
 * request to etcd or to a member may take.
 */
public record ClusterAddress(EtcdAccess etcd, String namespace, String scope, RestAccess rest, Duration timeout) {

    public ClusterAddress {
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(rest, "rest");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    public PatroniKeys keys() {
        return new PatroniKeys(namespace, scope);
    }
}

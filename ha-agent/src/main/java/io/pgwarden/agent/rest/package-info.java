/**
 * The agent's REST API on Patroni's paths and status codes, so load balancers (HAProxy's
 * {@code option httpchk OPTIONS /primary}), Kubernetes probes and {@code patronictl}-style readers
 * work unchanged, plus the agent's Prometheus meters. The API only serves the last
 * {@link io.pgwarden.agent.rest.NodeStatus} the agent's loop published: no request waits on etcd or
 * PostgreSQL.
 */
package io.pgwarden.agent.rest;

/**
 * Patroni's layout in the DCS, once: the key paths ({@link io.pgwarden.discovery.patroni.PatroniKeys}),
 * the JSON each key holds ({@link io.pgwarden.discovery.patroni.PatroniJson} and its records), the
 * decoded cluster ({@link io.pgwarden.discovery.patroni.PatroniCluster}) and how it becomes a
 * {@link io.pgwarden.discovery.Topology} ({@link io.pgwarden.discovery.patroni.PatroniTopology}). The
 * router reads these keys; the HA agent writes them. Nothing here talks to a store.
 */
package io.pgwarden.discovery.patroni;

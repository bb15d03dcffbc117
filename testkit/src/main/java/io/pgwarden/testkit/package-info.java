/**
 * Throw-away servers on loopback for integration tests and {@code pgwarden demo}: a PostgreSQL 15
 * primary with streaming replicas ({@link io.pgwarden.testkit.PostgresCluster}), etcd
 * ({@link io.pgwarden.testkit.EtcdServer}), a Patroni cluster on its own etcd
 * ({@link io.pgwarden.testkit.PatroniCluster}), HAProxy in front of it
 * ({@link io.pgwarden.testkit.HaproxyServer}), and the clients tests drive them with
 * ({@link io.pgwarden.testkit.ClientTools}).
 *
 * <p>Every fixture is gone after close(), after a JVM shutdown (a shutdown hook), and after the JVM
 * is killed outright (a detached reaper process per fixture). When the JVM runs as root, PostgreSQL
 * and Patroni run as the OS user {@code postgres}.
 */
package io.pgwarden.testkit;

/**
 * Throw-away servers on loopback for {@code pgwarden demo}, the benchmarks and the integration tests:
 * a PostgreSQL 15 primary with streaming replicas ({@link io.pgwarden.local.PostgresCluster}), etcd
 * ({@link io.pgwarden.local.EtcdServer}, or several members: {@link io.pgwarden.local.EtcdCluster}), a
 * Patroni cluster on its own etcd ({@link io.pgwarden.local.PatroniCluster}), HAProxy in front of it
 * ({@link io.pgwarden.local.HaproxyServer}), and the PostgreSQL client programs that drive them
 * ({@link io.pgwarden.local.ClientTools}, {@link io.pgwarden.local.Commands}).
 *
 * <p>Every fixture is gone after close(), after a JVM shutdown (a shutdown hook), and after the JVM
 * is killed outright (a detached reaper process per fixture). When the JVM runs as root, PostgreSQL
 * and Patroni run as the OS user {@code postgres}.
 *
 * <p>This is product code (the launcher ships it), so it depends on no test framework; fixtures only
 * tests need live in {@code io.pgwarden.testkit}.
 */
package io.pgwarden.local;

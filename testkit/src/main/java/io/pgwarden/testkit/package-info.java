/**
 * Fixtures only tests need, such as throw-away TLS certificates
 * ({@link io.pgwarden.testkit.TestCertificates}). The servers themselves (PostgreSQL, etcd, Patroni,
 * HAProxy) live in {@code io.pgwarden.local}, which the demo and the benchmarks use too; product code
 * never depends on this package.
 */
package io.pgwarden.testkit;

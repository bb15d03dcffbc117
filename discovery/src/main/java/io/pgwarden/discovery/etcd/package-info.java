/**
 * The topology source that follows a Patroni-layout cluster in etcd (v3 API, jetcd): one prefix
 * watch for fast changes, periodic linearizable reads for freshness and isolation detection. Also
 * how every pgwarden client reaches etcd: {@link io.pgwarden.discovery.etcd.EtcdAccess} (endpoints,
 * TLS files, user, as Patroni's etcd3 section names them), built into a jetcd client by
 * {@link io.pgwarden.discovery.etcd.EtcdClients}, refusals explained by
 * {@link io.pgwarden.discovery.etcd.EtcdFailures}.
 */
package io.pgwarden.discovery.etcd;

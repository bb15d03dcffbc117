/**
 * The topology source that follows a Patroni-layout cluster in etcd (v3 API, jetcd): one prefix
 * watch for fast changes, periodic linearizable reads for freshness and isolation detection.
 */
package io.pgwarden.discovery.etcd;

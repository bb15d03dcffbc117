/**
 * The HA agent: one per PostgreSQL node, driving failover and writing Patroni's etcd keys.
 * Empty until its issue; the module exists so the build's shape is final.
 */
package io.pgwarden.agent;

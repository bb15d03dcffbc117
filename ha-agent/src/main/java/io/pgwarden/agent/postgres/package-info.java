/**
 * The agent's control of its local PostgreSQL server, through {@link io.pgwarden.agent.postgres.PostgresServer}:
 * the data directory (initdb, pg_basebackup, pg_rewind, pg_controldata), the configuration files the
 * agent owns, the server's lifecycle (pg_ctl) and its state and replication over JDBC. Nothing here
 * decides anything: the decision loop asks, these classes do.
 */
package io.pgwarden.agent.postgres;

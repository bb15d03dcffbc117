/**
 * Authentication building blocks: SCRAM-SHA-256 (both halves), md5 and PgBouncer's userlist.txt.
 *
 * <p>Pure computation over strings and byte arrays: nothing here touches the network, so the same
 * code serves the router authenticating clients and the pool logging in to PostgreSQL. Only
 * {@link io.pgwarden.pool.auth.UserList#load} reads a file.
 */
package io.pgwarden.pool.auth;

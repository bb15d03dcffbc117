/**
 * The coordinated switchover, pgwarden's own keys beside Patroni's (which Patroni ignores): every
 * router registers under {@code routers/<id>} on its own lease; the leaving leader announces
 * {@code drain}; each router stops starting transactions on it, lets those in flight finish, and
 * answers under {@code drained/<id>}; only then is the old primary stopped and the candidate promoted.
 */
package io.pgwarden.discovery.drain;

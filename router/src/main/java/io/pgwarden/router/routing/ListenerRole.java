package io.pgwarden.router.routing;

/** What a listening port promises its clients. */
public enum ListenerRole {
    /** Read-write: always the current primary. */
    PRIMARY,
    /** Read-only: the healthy replicas, in turn. */
    REPLICA
}

package io.pgwarden.agent.control;

import java.util.Optional;

/** Where the cluster's {@code config} key lives, read and written with its revision. */
public interface ConfigStore {

    /** The key's JSON text and its modification revision; empty when there is no key. */
    Optional<Versioned> read();

    /** Writes {@code json} only if the key is still at {@code modRevision}; false when someone wrote it since. */
    boolean replace(String json, long modRevision);

    /** Writes {@code json} whatever the key holds. */
    void put(String json);

    /** One read of the key. */
    record Versioned(String json, long modRevision) {
    }
}

package io.pgwarden.local;

import java.util.List;
import java.util.Optional;

/** A running etcd, one member ({@link EtcdServer}) or several ({@link EtcdCluster}), as its clients see it. */
public interface EtcdStore extends AutoCloseable {

    /** Every member's {@code http://127.0.0.1:PORT}, what a client's endpoint list holds. */
    List<String> clientUrls();

    /**
     * Reads one key linearizably (what {@code etcdctl get} shows).
     *
     * @return the value as UTF-8, or empty if the key does not exist
     * @throws IllegalStateException if no member answers
     */
    Optional<String> get(String key);

    /** Kills every member and deletes the data; safe to call more than once. */
    @Override
    void close();
}

package io.pgwarden.ctl;

import io.pgwarden.ctl.connect.ClusterAddress;
import io.pgwarden.ctl.rest.MemberApi;
import io.pgwarden.ctl.store.ClusterState;
import io.pgwarden.ctl.store.ClusterStore;

import java.util.Objects;

/** What a command works with: the cluster's keys in etcd, the members' REST APIs, the terminal. */
public final class Session implements AutoCloseable {

    private final ClusterAddress address;
    private final ClusterStore store;
    private final MemberApi api;
    private final Terminal terminal;

    public Session(ClusterAddress address, ClusterStore store, MemberApi api, Terminal terminal) {
        this.address = Objects.requireNonNull(address, "address");
        this.store = Objects.requireNonNull(store, "store");
        this.api = Objects.requireNonNull(api, "api");
        this.terminal = Objects.requireNonNull(terminal, "terminal");
    }

    public ClusterAddress address() {
        return address;
    }

    public String scope() {
        return address.scope();
    }

    public ClusterStore store() {
        return store;
    }

    public MemberApi api() {
        return api;
    }

    public Terminal terminal() {
        return terminal;
    }

    /**
     * Reads the cluster, failing when nothing is stored under its prefix (a wrong scope or namespace
     * would otherwise look like an empty cluster).
     */
    public ClusterState readExisting() {
        ClusterState state = store.read();
        if (state.isEmpty()) {
            throw CtlException.failed("cluster " + scope() + " not found: no keys under " + store.keys().prefix()
                    + " in etcd at " + address.etcd().endpoints());
        }
        return state;
    }

    @Override
    public void close() {
        store.close();
    }
}

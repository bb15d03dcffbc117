package io.pgwarden.agent.control;

import io.pgwarden.agent.dcs.EtcdDcs;
import java.util.Optional;

/** The {@code config} key in etcd, in the agent's own connection. */
public final class EtcdConfigStore implements ConfigStore {

    private final EtcdDcs dcs;

    public EtcdConfigStore(EtcdDcs dcs) {
        this.dcs = dcs;
    }

    @Override
    public Optional<Versioned> read() {
        return dcs.getVersioned(dcs.keys().config()).map(kv -> new Versioned(kv.value(), kv.modRevision()));
    }

    @Override
    public boolean replace(String json, long modRevision) {
        return dcs.putIfModRevision(dcs.keys().config(), json, modRevision);
    }

    @Override
    public void put(String json) {
        dcs.put(dcs.keys().config(), json);
    }
}

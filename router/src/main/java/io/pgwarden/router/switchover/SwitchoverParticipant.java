package io.pgwarden.router.switchover;

import io.etcd.jetcd.Client;
import io.pgwarden.discovery.TopologySource;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdClients;
import io.pgwarden.discovery.drain.DrainKeys;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.session.ClientRegistry;

import java.time.Duration;

/** A router's membership in coordinated switchovers: its registration and its drainer, closed together. */
public final class SwitchoverParticipant implements AutoCloseable {

    private final Client client;
    private final RouterRegistration registration;
    private final SwitchoverDrainer drainer;

    private SwitchoverParticipant(Client client, RouterRegistration registration, SwitchoverDrainer drainer) {
        this.client = client;
        this.registration = registration;
        this.drainer = drainer;
    }

    /**
     * Registers as {@code id} in the cluster's etcd and takes part in every switchover from now on;
     * {@code topology} must already deliver to {@code router} (this listens after it).
     *
     * @param leaseTtl how long a dead router can hold up a switchover at most
     */
    public static SwitchoverParticipant join(EtcdAccess etcd, String namespace, String scope, String id,
                                             String description, Duration leaseTtl, Router router,
                                             ClientRegistry registry, ServerPools pools, TopologySource topology) {
        Client client = EtcdClients.create(etcd, leaseTtl);
        RouterRegistration registration = new RouterRegistration(client, new DrainKeys(new PatroniKeys(namespace, scope)),
                id, description, leaseTtl);
        SwitchoverDrainer drainer = new SwitchoverDrainer(router, registry, pools, registration, topology::current);
        registration.start();
        topology.addListener(drainer);
        return new SwitchoverParticipant(client, registration, drainer);
    }

    @Override
    public void close() {
        drainer.close();
        registration.close();
        client.close();
    }
}

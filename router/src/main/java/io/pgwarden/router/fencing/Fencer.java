package io.pgwarden.router.fencing;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingView;
import io.pgwarden.router.session.ClientRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Acts on topology changes after the {@link Router} has taken them in: when the leader-key
 * holder changes (or is lost), or a replica stops being fit for reads, every client session is
 * told to check its server connection against the new view (those that could reach a fenced
 * node are cut), and the fenced nodes' idle server connections are closed at once.
 */
public final class Fencer implements TopologyListener {

    private static final Logger log = LoggerFactory.getLogger(Fencer.class);

    private final Router router;
    private final ClientRegistry registry;
    private final ServerPools pools;
    /** Guarded by this: the topology source's thread, or a config reload re-evaluating. */
    private RoutingView previous;

    public Fencer(Router router, ClientRegistry registry, ServerPools pools) {
        this.router = router;
        this.registry = registry;
        this.pools = pools;
    }

    @Override
    public synchronized void onTopology(Topology topology) {
        RoutingView now = router.view();
        RoutingView before = previous;
        previous = now;
        if (before == null) {
            return;
        }
        Set<String> fenced = new HashSet<>();
        before.keyHolder().map(Member::name).filter(name -> !now.holdsKey(name)).ifPresent(fenced::add);
        before.readable().stream().map(Member::name).filter(name -> !now.isReadable(name)).forEach(fenced::add);
        boolean leaderChanged = !before.keyHolderName().equals(now.keyHolderName());
        if (leaderChanged) {
            log.warn("leader of cluster {} changed from {} to {}{}", topology.cluster(), before.keyHolderName(),
                    now.keyHolderName(), topology.dcsReachable() ? "" : " (topology store unreachable)");
        }
        if (before.primary().isPresent() != now.primary().isPresent()) {
            log.info("new work for the primary of cluster {} is {}", topology.cluster(),
                    now.primary().isPresent() ? "released to " + now.primary().get().name() : "held");
        }
        if (fenced.isEmpty()) {
            return;
        }
        String reason = leaderChanged
                ? "the primary changed from " + before.keyHolderName() + " to " + now.keyHolderName()
                : "node left the set of usable servers";
        registry.forEachSession(session -> session.fence(now, reason));
        for (String node : fenced) {
            if (!now.holdsKey(node) && !now.isReadable(node)) {
                pools.closeNode(node);
            }
        }
        log.info("fenced {} in cluster {}: {}", fenced, topology.cluster(), reason);
    }
}

package io.pgwarden.local;

import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM by {@link JvmKilledCleanupIT}: starts a Patroni cluster with HAProxy in front,
 * prints {@code READY <temp dirs separated by ':'> <pids separated by ':'>}, and waits to be killed.
 */
public final class PatroniInChildJvm {

    private PatroniInChildJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        PatroniCluster cluster = PatroniCluster.start(PatroniCluster.Options.defaults().withNodes(2));
        HaproxyServer haproxy = HaproxyServer.start(cluster);
        List<String> dirs = List.of(cluster.tempDir().toString(), cluster.etcd().dataDir().getParent().toString(),
                haproxy.configFile().getParent().toString());
        List<String> pids = new ArrayList<>();
        pids.add(String.valueOf(cluster.etcd().pid()));
        pids.add(String.valueOf(haproxy.pid()));
        for (PatroniNode node : cluster.nodes()) {
            pids.add(String.valueOf(node.patroniPid().orElseThrow()));
            pids.add(String.valueOf(node.postmasterPid().orElseThrow()));
        }
        System.out.println("READY " + String.join(":", dirs) + " " + String.join(":", pids));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

package io.pgwarden.local;

import java.util.List;

/**
 * Run in a child JVM by {@link JvmKilledCleanupIT}: starts a three-member etcd cluster, prints
 * {@code READY <temp dir> <pids separated by ':'>}, and waits to be killed.
 */
public final class EtcdClusterInChildJvm {

    private EtcdClusterInChildJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        EtcdCluster etcd = EtcdCluster.start();
        List<String> pids = etcd.members().stream().map(m -> String.valueOf(m.pid())).toList();
        System.out.println("READY " + etcd.member(0).dataDir().getParent().getParent() + " " + String.join(":", pids));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

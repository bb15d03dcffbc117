package io.pgwarden.local;

/**
 * Run in a child JVM by {@link JvmKilledCleanupIT}: starts a lone PostgreSQL and an etcd, prints where
 * they live, and waits to be killed with kill -9.
 */
public final class FixturesInChildJvm {

    private FixturesInChildJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        PostgresCluster cluster = PostgresCluster.start();
        EtcdServer etcd = EtcdServer.start();
        System.out.println("READY " + cluster.tempDir() + " " + cluster.primary().postmasterPid().orElseThrow()
                + " " + etcd.dataDir().getParent() + " " + etcd.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

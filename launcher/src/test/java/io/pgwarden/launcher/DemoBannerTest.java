package io.pgwarden.launcher;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DemoBannerTest {

    private static final List<DemoBanner.Node> NODES = List.of(
            new DemoBanner.Node("node1", DemoBanner.REPLICA, 41001, 41002, 101, 1001),
            new DemoBanner.Node("node2", DemoBanner.LEADER, 41003, 41004, 102, 1002),
            new DemoBanner.Node("node3", DemoBanner.SYNC_STANDBY, 41005, 41006, 103, 1003));
    private static final DemoBanner.Router ROUTER = new DemoBanner.Router(6000, 6001, 6002, "transaction");
    private static final Path DIR = Path.of("/tmp/pgwarden-demo-1");

    private static String render(Optional<Path> patronictl) {
        return new DemoBanner("http://127.0.0.1:2390", "demo", "/service/", 10, NODES, ROUTER, patronictl, DIR).render();
    }

    @Test
    void everyNodeShowsItsRoleAddressesAndPids() {
        String banner = render(Optional.empty());

        assertThat(banner).containsPattern("node1 +replica +127\\.0\\.0\\.1:41001 +http://127\\.0\\.0\\.1:41002 +101 +1001\n")
                .containsPattern("node2 +leader +127\\.0\\.0\\.1:41003 +http://127\\.0\\.0\\.1:41004 +102 +1002\n")
                .containsPattern("node3 +sync standby +127\\.0\\.0\\.1:41005 +http://127\\.0\\.0\\.1:41006 +103 +1003\n")
                .contains("etcd     http://127.0.0.1:2390   scope demo   (keys under /service/demo/)");
    }

    @Test
    void theCrashAndCurlLinesAimAtTheLeaderNotTheFirstNode() {
        String banner = render(Optional.empty());

        assertThat(banner).contains("  kill -9 102 1002   # crash the leader node2")
                .contains("within the ttl (10 s)")
                .contains("  curl -s http://127.0.0.1:41004/patroni ");
    }

    @Test
    void connectionAndListingLinesUseTheGivenPorts() {
        String banner = render(Optional.empty());

        assertThat(banner).contains("PGPASSWORD=postgres psql -h 127.0.0.1 -p 6000 -U postgres postgres   # read-write")
                .contains("PGPASSWORD=postgres psql -h 127.0.0.1 -p 6001 -U postgres postgres   # read-only")
                .contains("http://127.0.0.1:6002/metrics")
                .contains("  etcdctl --endpoints http://127.0.0.1:2390 get --prefix /service/demo/ ")
                .contains("logs: agents /tmp/pgwarden-demo-1/nodeN.log");
    }

    @Test
    void patronictlLineOnlyWhenItIsInstalled() {
        assertThat(render(Optional.empty())).doesNotContain("patronictl");
        assertThat(render(Optional.of(DIR.resolve("patronictl.yml"))))
                .contains("  patronictl -c /tmp/pgwarden-demo-1/patronictl.yml list ");
    }

    @Test
    void noCrashLineWithoutALeader() {
        List<DemoBanner.Node> leaderless = List.of(new DemoBanner.Node("node1", DemoBanner.REPLICA, 1, 2, 3, -1));
        String banner = new DemoBanner("http://127.0.0.1:2390", "demo", "/service/", 10, leaderless, ROUTER,
                Optional.empty(), DIR).render();

        assertThat(banner).doesNotContain("kill -9").containsPattern("node1 +replica .* 3 +-\n");
    }
}

package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EtcdServerIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @Test
    void startsHealthyPausesResumesAndCleansUp() throws Exception {
        EtcdServer etcd = EtcdServer.start();
        Path dataDir = etcd.dataDir();
        long pid = etcd.pid();
        try {
            assertThat(etcd.clientUrl()).isEqualTo("http://127.0.0.1:" + etcd.clientPort());
            assertThat(health(etcd)).contains("\"health\":\"true\"");
            assertThat(etcdctl(etcd, "put", "/service/demo/leader", "pg0").stdout()).contains("OK");
            assertThat(etcdctl(etcd, "get", "--print-value-only", "/service/demo/leader").stdout()).isEqualTo("pg0\n");
            assertThat(etcd.get("/service/demo/leader")).contains("pg0");
            assertThat(etcd.get("/service/demo/nobody")).isEmpty();
            etcdctl(etcd, "put", "/service/demo/empty", "");
            assertThat(etcd.get("/service/demo/empty")).contains("");

            etcd.pause();
            assertThat(etcd.isPaused()).isTrue();
            assertThatThrownBy(() -> health(etcd)).isInstanceOf(HttpTimeoutException.class);

            etcd.resume();
            assertThat(health(etcd)).contains("\"health\":\"true\"");
        } finally {
            etcd.close();
        }
        assertThat(etcd.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).filter(Commands::isRunning)).isEmpty();
        assertThat(dataDir.getParent()).doesNotExist();
        etcd.close(); // idempotent
    }

    @Test
    void pausedServerStillCloses() {
        EtcdServer etcd = EtcdServer.start();
        etcd.pause();
        etcd.close();
        assertThat(etcd.isRunning()).isFalse();
        assertThat(etcd.dataDir().getParent()).doesNotExist();
    }

    @Test
    void replaceWithEmptyStartsAFreshStoreAtTheSameAddress() {
        EtcdServer old = EtcdServer.start();
        EtcdServer fresh = null;
        try {
            etcdctl(old, "put", "/service/demo/leader", "pg0");
            String oldCluster = etcdctl(old, "endpoint", "status", "--write-out=fields").stdout();
            fresh = old.replaceWithEmpty();
            assertThat(old.isRunning()).isFalse();
            assertThat(fresh.clientUrl()).isEqualTo(old.clientUrl());
            assertThat(fresh.peerPort()).isEqualTo(old.peerPort());
            assertThat(fresh.get("/service/demo/leader")).isEmpty();
            String newCluster = etcdctl(fresh, "endpoint", "status", "--write-out=fields").stdout();
            assertThat(field(newCluster, "ClusterID")).isNotEqualTo(field(oldCluster, "ClusterID"));
        } finally {
            old.close();
            if (fresh != null) {
                fresh.close();
            }
        }
    }

    @Test
    void wipeAndRestartKeepsTheClusterIdButNotTheData() {
        EtcdServer old = EtcdServer.start();
        EtcdServer wiped = null;
        try {
            etcdctl(old, "put", "/service/demo/leader", "pg0");
            String oldStatus = etcdctl(old, "endpoint", "status", "--write-out=fields").stdout();
            wiped = old.wipeAndRestart();
            assertThat(wiped.clientUrl()).isEqualTo(old.clientUrl());
            assertThat(wiped.get("/service/demo/leader")).isEmpty();
            String newStatus = etcdctl(wiped, "endpoint", "status", "--write-out=fields").stdout();
            assertThat(field(newStatus, "ClusterID")).isEqualTo(field(oldStatus, "ClusterID"));
            assertThat(field(newStatus, "Revision")).isEqualTo("\"Revision\" : 1");
        } finally {
            old.close();
            if (wiped != null) {
                wiped.close();
            }
        }
    }

    private static String field(String fields, String name) {
        return fields.lines().filter(l -> l.startsWith("\"" + name + "\"")).findFirst().orElseThrow();
    }

    private String health(EtcdServer etcd) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(etcd.clientUrl() + "/health"))
                .timeout(Duration.ofMillis(700)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body().replace(" ", "");
    }

    private static CommandResult etcdctl(EtcdServer etcd, String... args) {
        String[] command = new String[args.length + 2];
        command[0] = "etcdctl";
        command[1] = "--endpoints=" + etcd.clientUrl();
        System.arraycopy(args, 0, command, 2, args.length);
        return Commands.run(Duration.ofSeconds(10), command).requireSuccess("etcdctl");
    }
}

package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class EtcdClusterIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @Test
    void threeHealthyMembersShareTheirKeysAndAreGoneAfterClose() throws Exception {
        EtcdCluster etcd = EtcdCluster.start();
        Path tempDir = etcd.member(0).dataDir().getParent().getParent();
        List<Long> pids = etcd.members().stream().map(EtcdMember::pid).toList();
        try {
            assertThat(etcd.size()).isEqualTo(3);
            assertThat(etcd.clientUrls()).hasSize(3).doesNotHaveDuplicates()
                    .allMatch(url -> url.startsWith("http://127.0.0.1:"));
            for (EtcdMember member : etcd.members()) {
                assertThat(health(member)).as(member.name()).contains("\"health\":\"true\"");
            }
            assertThat(etcdctl(List.of(etcd.member(0).clientUrl()), "member", "list").stdout().lines()).hasSize(3);
            assertThat(etcd.members().stream().filter(EtcdMember::isRaftLeader)).hasSize(1);
            assertThat(etcd.raftLeader()).isPresent();

            etcdctl(List.of(etcd.member(0).clientUrl()), "put", "/service/demo/leader", "pg0");
            assertThat(etcd.member(2).get("/service/demo/leader")).contains("pg0");
            assertThat(etcd.get("/service/demo/leader")).contains("pg0");
        } finally {
            etcd.close();
        }
        assertThat(etcd.members()).noneMatch(EtcdMember::isRunning);
        assertThat(pids).noneMatch(pid -> ProcessHandle.of(pid).filter(Commands::isRunning).isPresent());
        assertThat(tempDir).doesNotExist();
        etcd.close(); // idempotent
    }

    @Test
    void stoppingTheRaftLeaderKeepsTheClusterWritableAndTheRestartedMemberCatchesUp() {
        try (EtcdCluster etcd = EtcdCluster.start()) {
            EtcdMember stopped = etcd.raftLeader().orElseThrow();
            List<String> others = etcd.members().stream().filter(m -> m != stopped).map(EtcdMember::clientUrl).toList();
            etcdctl(etcd.clientUrls(), "put", "/before", "1");

            stopped.stop();
            assertThat(stopped.isRunning()).isFalse();
            // The two left elect a leader of their own within a few election timeouts (1 s each).
            EtcdMember next = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> etcd.raftLeader().orElse(null), m -> m != null && m != stopped);
            etcdctl(others, "put", "/during", "2");
            assertThat(etcd.get("/during")).contains("2");

            stopped.start();
            assertThat(stopped.isRunning()).isTrue();
            assertThat(health(stopped)).contains("\"health\":\"true\"");
            // A serializable read answers from the member's own copy: it has the write it missed.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> etcdctl(List.of(stopped.clientUrl()), "get", "--consistency=s", "--print-value-only",
                            "/during").stdout(), "2\n"::equals);
            etcdctl(List.of(stopped.clientUrl()), "put", "/after", "3");
            assertThat(next.get("/after")).contains("3");
        }
    }

    @Test
    void aPausedMemberIsSkippedByReadsAndAnswersAgainOnceResumed() {
        try (EtcdCluster etcd = EtcdCluster.start()) {
            etcdctl(etcd.clientUrls(), "put", "/key", "v");
            EtcdMember first = etcd.member(0);
            first.pause();
            assertThat(first.isPaused()).isTrue();
            assertThat(first.isAnswering()).isFalse();
            assertThat(etcd.get("/key")).contains("v");

            first.resume();
            assertThat(first.isAnswering()).isTrue();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> first.get("/key"), v -> v.equals(java.util.Optional.of("v")));
        }
    }

    private String health(EtcdMember member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body().replace(" ", "");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static CommandResult etcdctl(List<String> endpoints, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "etcdctl";
        command[1] = "--endpoints=" + String.join(",", endpoints);
        command[2] = "--command-timeout=5s";
        System.arraycopy(args, 0, command, 3, args.length);
        return Commands.run(Duration.ofSeconds(10), command).requireSuccess("etcdctl");
    }
}

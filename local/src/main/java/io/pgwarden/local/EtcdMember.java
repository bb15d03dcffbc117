package io.pgwarden.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of an {@link EtcdCluster}: stopped (killed) and started again on the same data dir and
 * ports, so it rejoins and catches up, or paused and resumed — the faults a member of a real cluster
 * goes through.
 */
public final class EtcdMember {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdMember.class);

    private final Path binary;
    private final EtcdProcess.Member member;
    private final List<EtcdProcess.Member> cluster;
    private final String clusterToken;
    private final Path dir;
    private EtcdProcess process;
    private boolean paused;

    EtcdMember(Path binary, EtcdProcess.Member member, List<EtcdProcess.Member> cluster, String clusterToken, Path dir) {
        this.binary = binary;
        this.member = member;
        this.cluster = cluster;
        this.clusterToken = clusterToken;
        this.dir = dir;
    }

    /** Starts the process and returns at once; the cluster waits for health once all are started. */
    synchronized void launch() {
        process = EtcdProcess.start(binary, member, cluster, clusterToken, dir);
        paused = false;
    }

    synchronized void awaitHealthy(Duration timeout) {
        process.awaitHealthy(timeout);
    }

    /** Kills the member (SIGKILL): its peers see it gone, its clients' connections break. */
    public synchronized void stop() {
        if (process != null) {
            process.kill();
        }
        paused = false;
        LOG.info("Stopped etcd member {} ({})", member.name(), clientUrl());
    }

    /**
     * Starts a stopped member again on its data dir and ports and returns once it answers
     * {@code /health}: it has rejoined the cluster and found the leader.
     *
     * @throws IllegalStateException if it is running, or does not become healthy within 30 s
     */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("etcd member " + member.name() + " is running");
        }
        launch();
        process.awaitHealthy(Duration.ofSeconds(30));
        LOG.info("Started etcd member {} ({}) again", member.name(), clientUrl());
    }

    /** Freezes the member (SIGSTOP): its connections stay open, nothing answers. */
    public synchronized void pause() {
        process.signal("-STOP");
        paused = true;
        LOG.info("Paused etcd member {} ({})", member.name(), clientUrl());
    }

    /** Thaws the member after {@link #pause()} (SIGCONT). */
    public synchronized void resume() {
        process.signal("-CONT");
        paused = false;
        LOG.info("Resumed etcd member {} ({})", member.name(), clientUrl());
    }

    /** Running and not paused: it may answer. */
    public synchronized boolean isAnswering() {
        return isRunning() && !paused;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /** Whether this member is the raft leader now, by its own status. */
    public synchronized boolean isRaftLeader() {
        return process.isRaftLeader();
    }

    /** Reads one key linearizably through this member. */
    public synchronized Optional<String> get(String key) {
        return process.get(key);
    }

    public String name() {
        return member.name();
    }

    public String clientUrl() {
        return member.clientUrl();
    }

    public int clientPort() {
        return member.clientPort();
    }

    public int peerPort() {
        return member.peerPort();
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    /** etcd's own log (stdout and stderr), appended to across restarts. */
    public Path logFile() {
        return dir.resolve("etcd.log");
    }

    public synchronized long pid() {
        return process.pid();
    }

    @Override
    public String toString() {
        return "EtcdMember[" + member.name() + " " + clientUrl() + "]";
    }
}

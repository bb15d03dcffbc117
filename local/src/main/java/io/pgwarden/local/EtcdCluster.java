package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away etcd cluster of N members (3 by default) on 127.0.0.1, all in one temp dir, each
 * member in its own sub-directory. Members can be stopped and started again one by one. Gone after
 * {@link #close()}, and also when the JVM dies without closing it (see {@link Reaper}).
 */
public final class EtcdCluster implements EtcdStore {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdCluster.class);

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final List<EtcdMember> members;
    private final FixtureDir dir;
    private boolean closed;

    private EtcdCluster(List<EtcdMember> members, FixtureDir dir) {
        this.members = members;
        this.dir = dir;
    }

    /** Starts three members and returns once every one answers {@code /health}. */
    public static EtcdCluster start() {
        return start(3);
    }

    /**
     * Starts {@code size} members together and returns once every one answers {@code /health}.
     *
     * @throws IllegalStateException if etcd is not installed or a member does not become healthy
     */
    public static EtcdCluster start(int size) {
        return start(EtcdServer.DEFAULT_BINARY, size);
    }

    static EtcdCluster start(Path binary, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("an etcd cluster needs at least one member, not " + size);
        }
        EtcdProcess.requireBinary(binary);
        FixtureDir dir = FixtureDir.create("pgwarden-etcd-cluster-", ServerUser.direct(),
                EtcdProcess.reaperCleanup("*/etcd.pid"));
        List<EtcdProcess.Member> peers = EtcdProcess.members("etcd", size);
        String token = EtcdProcess.newClusterToken();
        List<EtcdMember> members = new ArrayList<>();
        for (EtcdProcess.Member peer : peers) {
            members.add(new EtcdMember(binary, peer, peers, token, dir.path().resolve(peer.name())));
        }
        EtcdCluster cluster = new EtcdCluster(List.copyOf(members), dir);
        OpenFixtures.add(cluster);
        try {
            // All at once: the first member becomes healthy only once a quorum has started.
            for (EtcdMember member : members) {
                Files.createDirectories(member.dataDir().getParent());
                member.launch();
            }
            for (EtcdMember member : members) {
                member.awaitHealthy(START_TIMEOUT);
            }
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException("could not create the etcd members' directories in " + dir.path(), e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("Started etcd cluster {} in {}", cluster.clientUrls(), dir.path());
        return cluster;
    }

    @Override
    public List<String> clientUrls() {
        return members.stream().map(EtcdMember::clientUrl).toList();
    }

    public int size() {
        return members.size();
    }

    /** Member {@code i}, from 0. */
    public EtcdMember member(int i) {
        return members.get(i);
    }

    public List<EtcdMember> members() {
        return members;
    }

    /** The member that is raft leader now, asking those that answer; empty during an election. */
    public Optional<EtcdMember> raftLeader() {
        for (EtcdMember member : members) {
            try {
                if (member.isAnswering() && member.isRaftLeader()) {
                    return Optional.of(member);
                }
            } catch (IllegalStateException e) {
                LOG.debug("etcd member {} did not say whether it leads: {}", member.name(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads one key linearizably through the first member that answers (stopped and paused ones are
     * skipped).
     *
     * @throws IllegalStateException if none answers
     */
    @Override
    public Optional<String> get(String key) {
        IllegalStateException failure = new IllegalStateException("no etcd member answered a read of " + key);
        for (EtcdMember member : members) {
            if (!member.isAnswering()) {
                continue;
            }
            try {
                return member.get(key);
            } catch (IllegalStateException e) {
                failure.addSuppressed(e);
            }
        }
        throw failure;
    }

    /** Kills every member and deletes the data; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EtcdMember member : members) {
            member.stop();
        }
        dir.delete();
        OpenFixtures.remove(this);
        LOG.info("Stopped etcd cluster {}", clientUrls());
    }

    @Override
    public String toString() {
        return "EtcdCluster" + clientUrls();
    }
}

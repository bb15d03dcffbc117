package io.pgwarden.agent.loop;

/** What one loop decides to do; the agent carries it out, then loops again. */
public sealed interface Action {

    /** A short description for the log and {@code /patroni}. */
    String describe();

    /** Win the {@code initialize} key, initdb, start as primary, take the leader key. */
    record Initialize() implements Action {
        public String describe() {
            return "initialize a new cluster";
        }
    }

    /** pg_basebackup from {@code source}, then start as its standby. */
    record Clone(String source) implements Action {
        public String describe() {
            return "clone from " + source;
        }
    }

    record Wait(String why) implements Action {
        public String describe() {
            return why;
        }
    }

    /** Start PostgreSQL as a standby of {@code leader} (null: of nobody, read-only, to report a position). */
    record StartStandby(String leader) implements Action {
        public String describe() {
            return leader == null ? "start as a standby (no leader yet)" : "start as a standby of " + leader;
        }
    }

    /** A running standby points at the wrong node, or at none: point it at {@code leader}. */
    record Follow(String leader) implements Action {
        public String describe() {
            return "follow " + leader;
        }
    }

    /** The leader's lease is about to end without a renewal: stop streaming from it. */
    record Detach(String leader) implements Action {
        public String describe() {
            return "stop streaming from " + leader + " (its lease is about to end)";
        }
    }

    /** A former primary on an older timeline: pg_rewind from {@code leader}, then start as its standby. */
    record Rewind(String leader) implements Action {
        public String describe() {
            return "rewind from " + leader;
        }
    }

    /** Stop being writable. IMMEDIATE when the lease may be ending: there is no time for a checkpoint. */
    record Demote(String reason, boolean immediate) implements Action {
        public String describe() {
            return "demote: " + reason;
        }
    }

    /** Holding the key as a standby: promote. */
    record Promote() implements Action {
        public String describe() {
            return "promote";
        }
    }

    /** Holding the key, PostgreSQL down: start it as the primary. */
    record StartPrimary() implements Action {
        public String describe() {
            return "start as the primary";
        }
    }

    record ReleaseKey(String reason) implements Action {
        public String describe() {
            return "give up the leader key: " + reason;
        }
    }

    /** A writable primary without the key, still within its renew deadline: create the key again. */
    record Reacquire() implements Action {
        public String describe() {
            return "take the leader key again (it is gone, nobody else holds it)";
        }
    }

    /** The leader's routine: member key, status, slots, synchronous standbys. */
    record Lead() implements Action {
        public String describe() {
            return "lead";
        }
    }

    /** The replica's routine: member key. */
    record Replicate(String leader) implements Action {
        public String describe() {
            return "replicate from " + leader;
        }
    }

    /** No leader and this node may be promoted: ask the others, and race for the key if it is the best. */
    record Elect() implements Action {
        public String describe() {
            return "run for leader";
        }
    }

    /**
     * The key holder hands over to {@code candidate} (null: the best member it finds): routers drain it,
     * it stops cleanly, and the candidate takes the key once it has received everything.
     */
    record Switchover(String candidate) implements Action {
        public String describe() {
            return "switch over to " + (candidate == null ? "the best member" : candidate);
        }
    }

    /** No leader, and a switchover or failover names this node: take the key without an election. */
    record TakeOver() implements Action {
        public String describe() {
            return "take over as the switchover's candidate";
        }
    }

    /** A request that cannot be carried out: clear the {@code failover} key so the cluster goes on. */
    record ClearFailover(String reason) implements Action {
        public String describe() {
            return "clear the switchover request: " + reason;
        }
    }

    /**
     * A coordinated switchover names this standby: get ready, then watch etcd closely (not loop by loop)
     * until {@code leader} has stopped and released the key, and take over at once.
     */
    record AwaitHandover(String leader) implements Action {
        public String describe() {
            return "get ready to take over from " + leader;
        }
    }
}

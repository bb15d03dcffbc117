package io.pgwarden.agent.loop;

import java.time.Duration;

/**
 * The cluster's clocks. The leader must renew its lease within {@code ttl - retryTimeout} of its last
 * renewal or stop being writable: the key then still has {@code retryTimeout} to live, so nobody else
 * can be elected before this node has stopped (and a standby that watches the lease leaves it then too).
 */
public record Timing(Duration ttl, Duration loopWait, Duration retryTimeout) {

    public Timing {
        if (loopWait.plus(retryTimeout.multipliedBy(2)).compareTo(ttl) > 0) {
            throw new IllegalArgumentException("loop_wait + 2 x retry_timeout must not exceed ttl: "
                    + loopWait.toSeconds() + " + 2 x " + retryTimeout.toSeconds() + " > " + ttl.toSeconds());
        }
    }

    public static Timing ofSeconds(long ttl, long loopWait, long retryTimeout) {
        return new Timing(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retryTimeout));
    }

    /** How long after its last successful renewal a leader may stay writable. */
    public Duration renewDeadline() {
        return ttl.minus(retryTimeout);
    }
}

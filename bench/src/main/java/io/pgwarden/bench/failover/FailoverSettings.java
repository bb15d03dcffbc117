package io.pgwarden.bench.failover;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code pgwarden bench failover} was asked to do.
 *
 * @param scenarios          the faults, each run {@code runs} times per set-up on a fresh cluster, in this order
 * @param stacks             the stacks the scenarios run on
 * @param patroniSynchronous Patroni's {@code synchronous_mode} values to run (false: off, true: on), each its own
 *                           set-up; ignored without {@link Stack#PATRONI}. The agents always run with it on.
 * @param runs               runs per scenario and set-up; the tables show min/median/max or max over them
 * @param ttl                the leader key's {@code ttl}, seconds (Patroni and agents alike)
 * @param loopWait           {@code loop_wait}, seconds
 * @param retryTimeout       {@code retry_timeout}, seconds
 * @param output             markdown file whose failover section is replaced, or {@code null}
 * @param commandLine        the command as typed, quoted into the report
 */
public record FailoverSettings(List<Scenario> scenarios, List<Stack> stacks, List<Boolean> patroniSynchronous,
                               int runs, int ttl, int loopWait, int retryTimeout, Path output, String commandLine) {

    /** How often the router reads etcd on top of its watch (its default). */
    static final Duration DCS_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** What the router insists on between its isolation timeout and the ttl. */
    static final Duration TTL_MARGIN = Duration.ofSeconds(2);

    public FailoverSettings {
        scenarios = List.copyOf(Objects.requireNonNull(scenarios, "scenarios")).stream().distinct().toList();
        stacks = List.copyOf(Objects.requireNonNull(stacks, "stacks")).stream().distinct().toList();
        patroniSynchronous = List.copyOf(Objects.requireNonNull(patroniSynchronous, "patroniSynchronous")).stream()
                .distinct().toList();
        Objects.requireNonNull(commandLine, "commandLine");
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("--scenario must name at least one scenario");
        }
        if (stacks.isEmpty()) {
            throw new IllegalArgumentException("--stacks must name at least one stack");
        }
        if (stacks.contains(Stack.PATRONI) && patroniSynchronous.isEmpty()) {
            throw new IllegalArgumentException("--patroni-synchronous-mode must name off, on or both");
        }
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1: " + runs);
        }
        if (loopWait < 1 || retryTimeout < 1) {
            throw new IllegalArgumentException("--loop-wait and --retry-timeout must be >= 1");
        }
        if (loopWait + 2 * retryTimeout > ttl) {
            throw new IllegalArgumentException("Patroni and the agents need loop_wait + 2 * retry_timeout <= ttl, got "
                    + loopWait + " + 2 * " + retryTimeout + " > " + ttl);
        }
        if (Duration.ofSeconds(ttl).minus(TTL_MARGIN).compareTo(DCS_CHECK_INTERVAL) <= 0) {
            throw new IllegalArgumentException("--ttl must be > " + (TTL_MARGIN.plus(DCS_CHECK_INTERVAL).toSeconds())
                    + " s for the router's isolation timeout to fit below it: " + ttl);
        }
    }

    /** The set-ups in the order the runs of one scenario go through them: the agents (sync) first, then Patroni's. */
    public List<StackSetup> setups() {
        return setups(stacks, patroniSynchronous);
    }

    private static List<StackSetup> setups(List<Stack> stacks, List<Boolean> patroniSynchronous) {
        List<StackSetup> setups = new ArrayList<>();
        if (stacks.contains(Stack.AGENTS)) {
            setups.add(new StackSetup(Stack.AGENTS, true));
        }
        if (stacks.contains(Stack.PATRONI)) {
            patroniSynchronous.forEach(sync -> setups.add(new StackSetup(Stack.PATRONI, sync)));
        }
        return setups;
    }

    /** How many runs in all: every scenario on every set-up, {@code runs} times. */
    public int totalRuns() {
        return runs * scenarios.size() * setups().size();
    }

    /** How long the freeze scenario keeps the leader's agent stopped: 3 × ttl, long past its lease. */
    public Duration freezeDuration() {
        return Duration.ofSeconds(3L * ttl);
    }

    /**
     * The router's {@code dcs.isolation_timeout}: {@code retry_timeout}, the time after which the
     * leader's agent demotes itself when it cannot reach etcd, kept above the read interval and at least
     * 2 s below the ttl, as the router requires.
     */
    public Duration isolationTimeout() {
        Duration wanted = Duration.ofSeconds(retryTimeout);
        Duration floor = DCS_CHECK_INTERVAL.multipliedBy(2);
        Duration ceiling = Duration.ofSeconds(ttl).minus(TTL_MARGIN);
        return wanted.compareTo(floor) < 0 ? min(floor, ceiling) : min(wanted, ceiling);
    }

    /** The router's {@code routing.connect_wait_timeout}: 2 × ttl, long enough to hold writes through a failover. */
    public Duration connectWaitTimeout() {
        return Duration.ofSeconds(2L * ttl);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

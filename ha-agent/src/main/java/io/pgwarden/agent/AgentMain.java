package io.pgwarden.agent;

import io.pgwarden.agent.handover.SwitchoverRequests;
import java.time.Clock;
import java.util.List;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.agent.config.AgentConfigException;
import io.pgwarden.agent.config.AgentConfigLoader;
import io.pgwarden.agent.config.HostPort;
import io.pgwarden.agent.control.ConfigEditor;
import io.pgwarden.agent.control.ConfigReloader;
import io.pgwarden.agent.control.ControlEndpoints;
import io.pgwarden.agent.control.ControlExecutor;
import io.pgwarden.agent.control.EtcdConfigStore;
import io.pgwarden.agent.control.PendingRequests;
import io.pgwarden.agent.control.RestartSchedule;
import io.pgwarden.agent.loop.Timing;
import java.time.Clock;
import io.pgwarden.agent.dcs.EtcdDcs;
import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.agent.rest.AgentMetrics;
import io.pgwarden.agent.rest.NodeStatus;
import io.pgwarden.agent.rest.RestApi;
import io.pgwarden.agent.watchdog.Watchdog;
import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one agent in this process until SIGTERM/Ctrl-C, then stops it cleanly: PostgreSQL stopped, the
 * leader key released at once. {@code pgwarden agent -c node.yml} comes here; so does
 * {@code java -cp ... io.pgwarden.agent.AgentMain -c node.yml}, which the demo and the tests start.
 */
public final class AgentMain {

    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    private AgentMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2 || !args[0].equals("-c")) {
            System.err.println("usage: AgentMain -c node.yml");
            System.exit(2);
        }
        System.exit(run(Path.of(args[1])));
    }

    /** Loads the file and runs the agent; returns the process exit code. */
    public static int run(Path configFile) {
        AgentConfig config;
        try {
            config = new AgentConfigLoader().load(configFile);
        } catch (AgentConfigException e) {
            System.err.println("pgwarden agent: " + e.getMessage());
            return 2;
        }
        return run(config, configFile);
    }

    private static AgentEvents events(AgentMetrics metrics) {
        return new AgentEvents() {
            public void leaseRenewed(boolean ok) {
                if (ok) {
                    metrics.leaseRenewed();
                } else {
                    metrics.leaseRenewalFailed();
                }
            }

            public void electionWon() {
                metrics.electionWon();
            }

            public void promoted() {
                metrics.promoted();
            }

            public void demoted(String reason) {
                metrics.demoted(reason);
            }
        };
    }

    /** Started by a local cluster (demo, tests): stop when the process that started us is gone. */
    private static void exitWithParent(Agent agent) {
        String parent = System.getenv(io.pgwarden.agent.local.AgentProcess.PARENT_ENV);
        if (parent == null || parent.isBlank()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(parent.strip())).ifPresentOrElse(
                handle -> handle.onExit().thenRun(() -> {
                    LOG.warn("The process that started this agent ({}) is gone: stopping", parent);
                    System.exit(0);
                }),
                () -> System.exit(0));
    }

    public static int run(AgentConfig config) {
        return run(config, null);
    }

    /**
     * Runs the agent.
     *
     * @param configFile re-read on {@code POST /reload}, and named in errors about its settings; null when
     *                   the config did not come from a file
     */
    public static int run(AgentConfig config, Path configFile) {
        String source = configFile == null ? "the agent's config" : configFile.toString();
        EtcdDcs dcs;
        try {
            dcs = new EtcdDcs(config.etcd().access(source), new PatroniKeys(config.namespace(), config.scope()),
                    config.name(), Duration.ofSeconds(config.retryTimeout()));
        } catch (EtcdConfigException e) {
            System.err.println("pgwarden agent: " + source + ": bad value for key 'etcd." + e.key() + "': " + e.problem());
            return 2;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("scope", config.scope(), "member", config.name());
        AtomicReference<Agent> agentRef = new AtomicReference<>();
        Supplier<NodeStatus> snapshot = () -> agentRef.get() == null
                ? NodeStatus.starting(config.name(), config.scope(), Agent.VERSION) : agentRef.get().status();
        PostgresServer postgres = new PostgresServer(config.postgresql(), config.name());
        PendingRequests pending = new PendingRequests(() -> {
            Agent a = agentRef.get();
            if (a != null) {
                a.wake();
            }
        });
        Supplier<Timing> timing = () -> agentRef.get() == null
                ? Timing.ofSeconds(config.ttl(), config.loopWait(), config.retryTimeout()) : agentRef.get().timing();
        Duration startTimeout = Duration.ofSeconds(Math.max(30, config.postgresql().primaryStartTimeout()));
        RestartSchedule schedule = new RestartSchedule();
        ControlExecutor executor = new ControlExecutor(postgres, snapshot, timing, pending, schedule, startTimeout,
                Clock.systemUTC());
        Supplier<NodeStatus> status = () -> executor.overlay(snapshot.get());
        AgentMetrics metrics = new AgentMetrics(registry, status);
        Agent agent = new Agent(config, dcs, postgres, new Watchdog(config.watchdog()), events(metrics),
                executor::beforeCycle);
        agentRef.set(agent);
        AtomicReference<ControlEndpoints> endpoints = new AtomicReference<>();
        ConfigReloader reloader = configFile == null ? null : new ConfigReloader(configFile, config,
                new AgentConfigLoader(), pending, postgres, auth -> endpoints.get().authentication(auth));
        endpoints.set(new ControlEndpoints(new ConfigEditor(new EtcdConfigStore(dcs), agent::wake), pending, schedule,
                status, timing, () -> {
                    if (reloader == null) {
                        LOG.warn("Reload requested, but this agent was not started from a file");
                    } else {
                        reloader.reload();
                    }
                }, startTimeout, ConfigReloader.authentication(config), Clock.systemUTC(),
                new SwitchoverRequests(dcs, new PeerClient(Duration.ofSeconds(2), config.restapi().tlsFiles()),
                        Clock.systemUTC(), Duration.ofSeconds(config.ttl() + 2L * config.retryTimeout() + 10))));
        RestApi rest;
        try {
            rest = RestApi.start(HostPort.host(config.restapi().listen()), HostPort.port(config.restapi().listen()),
                    config.restapi().tlsFiles(), status, registry, Clock.systemUTC(), endpoints.get());
        } catch (RuntimeException e) {
            System.err.println("pgwarden agent: cannot serve the REST API on " + config.restapi().listen() + ": " + e.getMessage());
            dcs.close();
            return 1;
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread loop = new Thread(() -> {
            try {
                agent.run();
            } finally {
                done.countDown();
            }
        }, "pgwarden-agent");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("Stopping: PostgreSQL first, then the leader key");
            agent.shutdown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            agent.close();
            rest.close();
            LOG.info("Agent {} stopped", config.name());
        }, "pgwarden-agent-stop"));
        exitWithParent(agent);
        loop.start();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}

package io.pgwarden.agent.control;

import io.pgwarden.agent.handover.SwitchoverRequests;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.agent.loop.Timing;
import io.pgwarden.agent.rest.BasicAuth;
import io.pgwarden.agent.rest.ControlApi;
import io.pgwarden.agent.rest.NodeStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Patroni's control endpoints on its paths, bodies, words and status codes: {@code PATCH}/{@code PUT /config},
 * {@code POST}/{@code DELETE /restart}, {@code POST /reinitialize}, {@code POST /reload}. What touches
 * PostgreSQL goes through {@link PendingRequests} to the HA loop; the config key is edited here directly.
 */
public final class ControlEndpoints implements ControlApi {

    /** Enough for a stop and a start of PostgreSQL beyond the request's own start timeout. */
    private static final Duration STOP_AND_SLACK = Duration.ofSeconds(70);
    private static final Duration REINITIALIZE_RUN = Duration.ofSeconds(40);

    private final ConfigEditor config;
    private final PendingRequests pending;
    private final RestartSchedule schedule;
    private final Supplier<NodeStatus> status;
    private final Supplier<Timing> timing;
    private final Runnable reload;
    private final Duration defaultStartTimeout;
    private final Clock clock;
    private final SwitchoverRequests switchovers;
    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicReference<Optional<BasicAuth>> authentication;

    /**
     * @param reload              {@code POST /reload}: re-reads the agent's file and applies it; must not block
     * @param defaultStartTimeout a restart's start timeout when its request names none
     */
    public ControlEndpoints(ConfigEditor config, PendingRequests pending, RestartSchedule schedule,
                            Supplier<NodeStatus> status, Supplier<Timing> timing, Runnable reload,
                            Duration defaultStartTimeout, Optional<BasicAuth> authentication, Clock clock,
                            SwitchoverRequests switchovers) {
        this.switchovers = switchovers;
        this.config = config;
        this.pending = pending;
        this.schedule = schedule;
        this.status = status;
        this.timing = timing;
        this.reload = reload;
        this.defaultStartTimeout = defaultStartTimeout;
        this.clock = clock;
        this.authentication = new AtomicReference<>(authentication);
    }

    @Override
    public Optional<BasicAuth> authentication() {
        return authentication.get();
    }

    /** Takes effect with the next request ({@code POST /reload} of a changed {@code restapi.authentication}). */
    public void authentication(Optional<BasicAuth> value) {
        authentication.set(value);
    }

    @Override
    public Reply handle(String method, String path, String body) {
        ControlResult result;
        try {
            result = route(method + " " + path, body);
        } catch (ControlException e) {
            result = e.result();
        }
        return new Reply(result.code(), result.body(), result.json());
    }

    private ControlResult route(String request, String body) {
        return switch (request) {
            case "PATCH /config" -> config.patch(json(body, false));
            case "PUT /config" -> config.replace(json(body, false));
            case "POST /restart" -> restart(json(body, true));
            case "DELETE /restart" -> schedule.cancel() ? ControlResult.text(200, "scheduled restart deleted")
                    : ControlResult.text(404, "no restarts are scheduled");
            case "POST /reinitialize" -> reinitialize(json(body, true));
            case "POST /reload" -> {
                reload.run();
                yield ControlResult.text(202, "reload scheduled");
            }
            case "POST /switchover", "POST /failover", "DELETE /switchover" -> {
                String[] parts = request.split(" ", 2);
                SwitchoverRequests.Answer answer = switchovers.answer(parts[0], parts[1], body);
                yield ControlResult.text(answer.code(), answer.text());
            }
            default -> ControlResult.text(404, "not found");
        };
    }

    private ControlResult restart(JsonNode body) {
        NodeStatus s = status.get();
        if (s.paused() && body.has("schedule")) {
            return ControlResult.text(500, "Can't schedule restart in the paused state");
        }
        RestartRequest request = RestartRequest.parse(body, clock.instant());
        if (request.schedule().isPresent()) {
            return schedule.schedule(request, s.postmasterStartTime()) ? ControlResult.text(202, "Restart scheduled")
                    : ControlResult.text(409, "Another restart is already scheduled");
        }
        Duration run = request.timeout().orElse(defaultStartTimeout).plus(STOP_AND_SLACK);
        return pending.submit(new ControlRequest.Restart(request)).await(takeTimeout(), run);
    }

    private ControlResult reinitialize(JsonNode body) {
        boolean force = body.has("force") && bool(body.get("force"));
        return pending.submit(new ControlRequest.Reinitialize(force)).await(takeTimeout(), REINITIALIZE_RUN);
    }

    /** A cycle of the loop ends within ttl (loop_wait + 2 × retry_timeout at most); then it takes requests. */
    private Duration takeTimeout() {
        return timing.get().ttl().plusSeconds(5);
    }

    /** Patroni's parse_bool: true, on, yes, 1. */
    private static boolean bool(JsonNode value) {
        String text = value.asText().toLowerCase(java.util.Locale.ROOT);
        return value.asBoolean(false) || text.equals("on") || text.equals("yes") || text.equals("1");
    }

    private JsonNode json(String body, boolean optional) {
        if (body.isBlank()) {
            if (optional) {
                return mapper.createObjectNode();
            }
            throw new ControlException(400, "the body must be a non-empty JSON object");
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ControlException(400, "the body is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ControlException(400, "the body must be a JSON object");
        }
        return node;
    }
}

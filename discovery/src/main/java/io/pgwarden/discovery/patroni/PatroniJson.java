package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes the JSON in Patroni's keys, compact as Patroni writes it ({@code separators=(',',
 * ':')}). Reading is lenient where Patroni is: unknown fields are ignored, since Patroni adds fields
 * across versions. Thread-safe.
 */
public final class PatroniJson {

    private final ObjectMapper mapper;

    public PatroniJson() {
        this.mapper = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    // members/<name>

    /**
     * Reads a member key. Like Patroni, a value that is a bare {@code postgres://...} URL (what very old
     * versions wrote) is taken as {@code conn_url}, with {@code api_url} from its
     * {@code application_name} parameter.
     *
     * @throws PatroniJsonException if it is neither a JSON object nor such a URL
     */
    public MemberData readMember(String value) {
        if (value.startsWith("postgres")) {
            return legacyMember(value);
        }
        return readObject(value, MemberData.class, "member");
    }

    public String writeMember(MemberData member) {
        return write(member);
    }

    // config

    /** @throws PatroniJsonException if it is not a JSON object of the right shape */
    public ClusterConfig readConfig(String value) {
        return readObject(value, ClusterConfig.class, "config");
    }

    public String writeConfig(ClusterConfig config) {
        return write(config);
    }

    // failover

    /**
     * Reads {@code failover}: empty when it holds no request ({@code {}}, empty, {@code null}, or an
     * object naming neither leader nor candidate). The legacy text form {@code leader:candidate} is
     * read too, as Patroni does.
     *
     * @throws PatroniJsonException if it is JSON but not an object of the right shape
     */
    public Optional<Failover> readFailover(String value) {
        String text = value.strip();
        if (text.isEmpty() || text.equals("null")) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException notJson) {
            String[] parts = text.split(":", -1);
            String leader = parts[0].strip();
            String candidate = parts.length > 1 ? parts[1].strip() : "";
            Failover legacy = new Failover(leader.isEmpty() ? null : leader, candidate.isEmpty() ? null : candidate, null);
            return legacy.isRequest() ? Optional.of(legacy) : Optional.empty();
        }
        if (!node.isObject()) {
            return Optional.empty(); // Patroni reads a JSON non-object as {}
        }
        Failover failover;
        try {
            failover = mapper.treeToValue(node, Failover.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new PatroniJsonException("failover is not Patroni's JSON: " + e.getMessage(), e);
        }
        return failover.isRequest() ? Optional.of(failover) : Optional.empty();
    }

    public String writeFailover(Failover failover) {
        return write(failover);
    }

    /** What Patroni writes to clear a request. */
    public String noFailover() {
        return "{}";
    }

    // status

    /** @throws PatroniJsonException if it is not a JSON object of the right shape */
    public Status readStatus(String value) {
        return readObject(value, Status.class, "status");
    }

    public String writeStatus(Status status) {
        return write(status);
    }

    // sync

    /** @throws PatroniJsonException if it is not a JSON object of the right shape */
    public SyncState readSync(String value) {
        return readObject(value, SyncState.class, "sync");
    }

    public String writeSync(SyncState sync) {
        return write(sync);
    }

    // history

    /**
     * Reads {@code history}, a JSON list of {@code [timeline, lsn, reason, timestamp, new_leader]}.
     *
     * @throws PatroniJsonException if it is not such a list
     */
    public List<HistoryEntry> readHistory(String value) {
        JsonNode node = readTree(value, "history");
        if (!node.isArray()) {
            throw new PatroniJsonException("history is not a JSON list: " + abbreviate(value));
        }
        List<HistoryEntry> entries = new ArrayList<>(node.size());
        for (JsonNode line : node) {
            if (!line.isArray() || line.size() < 2) {
                throw new PatroniJsonException("history line is not [timeline, lsn, ...]: " + line);
            }
            try {
                long timeline = integer(line.get(0));
                long lsn = integer(line.get(1));
                String reason = line.size() > 2 ? line.get(2).asText() : "";
                Optional<String> timestamp = line.size() > 3 && !line.get(3).isNull()
                        ? Optional.of(line.get(3).asText()) : Optional.empty();
                Optional<String> newLeader = line.size() > 4 && !line.get(4).isNull() && timestamp.isPresent()
                        ? Optional.of(line.get(4).asText()) : Optional.empty();
                entries.add(new HistoryEntry(timeline, lsn, reason, timestamp, newLeader));
            } catch (IllegalArgumentException e) {
                throw new PatroniJsonException("bad history line " + line + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(entries);
    }

    public String writeHistory(List<HistoryEntry> history) {
        ArrayNode root = mapper.createArrayNode();
        for (HistoryEntry entry : history) {
            ArrayNode line = root.addArray().add(entry.timeline()).add(entry.lsn()).add(entry.reason());
            entry.timestamp().ifPresent(line::add);
            entry.newLeader().ifPresent(line::add);
        }
        return root.toString();
    }

    private static long integer(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            return Lsn.parse(node.textValue());
        }
        throw new IllegalArgumentException("not an integer: " + node);
    }

    private <T> T readObject(String value, Class<T> type, String what) {
        JsonNode node = readTree(value, what);
        if (!node.isObject()) {
            throw new PatroniJsonException(what + " is not a JSON object: " + abbreviate(value));
        }
        try {
            return mapper.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new PatroniJsonException(what + " is not Patroni's JSON: " + e.getMessage(), e);
        }
    }

    private JsonNode readTree(String value, String what) {
        try {
            JsonNode node = mapper.readTree(value);
            if (node == null || node.isMissingNode()) {
                throw new PatroniJsonException(what + " is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new PatroniJsonException(what + " is not JSON: " + abbreviate(value), e);
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new PatroniJsonException("cannot write " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static MemberData legacyMember(String value) {
        int query = value.indexOf('?');
        String connUrl = query < 0 ? value : value.substring(0, query);
        String apiUrl = null;
        if (query >= 0) {
            for (String param : value.substring(query + 1).split("&")) {
                int eq = param.indexOf('=');
                if (eq > 0 && param.substring(0, eq).equals("application_name")) {
                    apiUrl = URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
        }
        return MemberData.of(connUrl, apiUrl, null, null, null);
    }

    private static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}

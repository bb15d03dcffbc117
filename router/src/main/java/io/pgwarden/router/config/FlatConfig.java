package io.pgwarden.router.config;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A config as flat {@code key -> value} pairs, keys as the YAML file writes them
 * ({@code pool.max_size}, {@code auth.hba[0].method}), values in the file's notation
 * ({@code 30s}, {@code 64MB}). What SHOW CONFIG prints and what a reload compares. Values of keys
 * that name a secret (password, secret, private key) are never shown.
 */
public final class FlatConfig {

    public static final String HIDDEN = "(hidden)";

    private static final Set<String> SECRET_WORDS = Set.of("password", "secret", "private_key", "key_password");

    /**
     * Sections and keys that cannot change while the router runs: the sockets it listens on, the
     * event loops, the topology source and the server connector. Prefixes match whole segments.
     */
    private static final List<String> FIXED = List.of("listen.", "topology.", "dcs.", "server.",
            "admin.host", "admin.http_port", "tls.");

    private FlatConfig() {
    }

    public static Map<String, String> of(RouterConfig config) {
        return ofRecord(config);
    }

    static Map<String, String> ofRecord(Record section) {
        Map<String, String> flat = new LinkedHashMap<>();
        add(flat, "", section);
        return Collections.unmodifiableMap(flat);
    }

    /** Whether a reload can apply a new value of this key. */
    public static boolean isReloadable(String key) {
        return FIXED.stream().noneMatch(key::startsWith);
    }

    /** Keys whose values differ (or exist on one side only), in the order of {@code after}, then removed ones. */
    public static List<String> changedKeys(Map<String, String> before, Map<String, String> after) {
        List<String> changed = after.entrySet().stream()
                .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                .map(Map.Entry::getKey)
                .collect(Collectors.toList());
        before.keySet().stream().filter(k -> !after.containsKey(k)).forEach(changed::add);
        return changed;
    }

    private static void add(Map<String, String> flat, String key, Object value) {
        if (value instanceof Record record && !(value instanceof DataSize)) {
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                Object child;
                try {
                    child = component.getAccessor().invoke(record);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + key + component.getName(), e);
                }
                add(flat, (key.isEmpty() ? "" : key + ".") + snakeCase(component.getName()), child);
            }
        } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Record) {
            for (int i = 0; i < list.size(); i++) {
                add(flat, key + "[" + i + "]", list.get(i));
            }
        } else {
            flat.put(key, isSecret(key) && value != null ? HIDDEN : text(value));
        }
    }

    private static boolean isSecret(String key) {
        String last = key.substring(key.lastIndexOf('.') + 1);
        return SECRET_WORDS.stream().anyMatch(last::contains);
    }

    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Duration duration) {
            return duration(duration);
        }
        if (value instanceof DataSize size) {
            return size(size.bytes());
        }
        if (value instanceof Path path) {
            return path.toString();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(FlatConfig::text).collect(Collectors.joining(", ", "[", "]"));
        }
        return value.toString();
    }

    private static String duration(Duration d) {
        long millis = d.toMillis();
        if (millis % 3_600_000 == 0 && millis > 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    private static String size(long bytes) {
        String[] units = {"GB", "MB", "kB"};
        long[] factors = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % factors[i] == 0) {
                return bytes / factors[i] + units[i];
            }
        }
        return Long.toString(bytes);
    }

    private static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}

package io.pgwarden.discovery.patroni;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the key dumps of a real Patroni 3.0.2 cluster in {@code src/test/resources/patroni-3.0.2}. */
public final class PatroniDumps {

    public static final PatroniKeys KEYS = PatroniKeys.of("sample");

    private PatroniDumps() {
    }

    /** Key to value, in the dump's order. */
    public static Map<String, String> load(String name) {
        String resource = "/patroni-3.0.2/" + name + ".txt";
        try (InputStream in = PatroniDumps.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no dump " + resource);
            }
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            Map<String, String> kvs = new LinkedHashMap<>();
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                kvs.put(lines.get(i), lines.get(i + 1));
            }
            return kvs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One value of a dump. */
    public static String value(String dump, String relativeKey) {
        String value = load(dump).get(KEYS.prefix() + relativeKey);
        if (value == null) {
            throw new IllegalArgumentException("no " + relativeKey + " in " + dump);
        }
        return value;
    }
}

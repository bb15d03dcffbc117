package io.pgwarden.discovery.drain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.Optional;

/** The JSON of {@code drain}; unknown fields are ignored so that either side may add some. Thread-safe. */
public final class DrainJson {

    private final ObjectMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** Empty for a missing, blank or unreadable value: a drain nobody can read is no drain. */
    public Optional<Drain> read(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(mapper.readValue(value, Drain.class));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public String write(Drain drain) {
        try {
            return mapper.writeValueAsString(drain);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + drain, e);
        }
    }
}

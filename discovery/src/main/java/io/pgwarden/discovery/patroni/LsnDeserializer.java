package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;

/** Reads a WAL position written as a number or as text ({@code "50331744"}, {@code "0/3000060"}). */
final class LsnDeserializer extends StdDeserializer<Long> {

    LsnDeserializer() {
        super(Long.class);
    }

    @Override
    public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            return (long) p.getDoubleValue();
        }
        if (token == JsonToken.VALUE_STRING) {
            String text = p.getText();
            if (text.isBlank()) {
                return null;
            }
            try {
                return Lsn.parse(text);
            } catch (IllegalArgumentException e) {
                return (Long) ctxt.handleWeirdStringValue(Long.class, text, e.getMessage());
            }
        }
        return (Long) ctxt.handleUnexpectedToken(Long.class, p);
    }
}

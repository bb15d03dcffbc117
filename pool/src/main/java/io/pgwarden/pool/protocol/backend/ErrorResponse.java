package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ErrorResponse ('E'): fields keyed by their one-byte code (S, V, C, M, D, H, ...).
 * See the protocol docs' "Error and Notice Message Fields".
 */
public record ErrorResponse(Map<Character, String> fields) implements PgMessage {

    public static final String ERROR = "ERROR";
    public static final String FATAL = "FATAL";

    public ErrorResponse {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** An error pgwarden raises itself; S and V carry the same non-localized severity. */
    public static ErrorResponse of(String severity, String sqlState, String message) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put('S', severity);
        fields.put('V', severity);
        fields.put('C', sqlState);
        fields.put('M', message);
        return new ErrorResponse(fields);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return of(FATAL, sqlState, message);
    }

    public static ErrorResponse decode(ByteBuf payload) {
        Map<Character, String> fields = new LinkedHashMap<>();
        while (payload.isReadable()) {
            byte code = payload.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) code, CStrings.read(payload));
        }
        return new ErrorResponse(fields);
    }

    /** The non-localized severity when the server sent it (9.6+), else the localized one. */
    public String severity() {
        return fields.getOrDefault('V', fields.getOrDefault('S', ERROR));
    }

    public String sqlState() {
        return fields.getOrDefault('C', "");
    }

    public String message() {
        return fields.getOrDefault('M', "");
    }

    public boolean isFatal() {
        String severity = severity();
        return FATAL.equals(severity) || "PANIC".equals(severity);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.ERROR_RESPONSE);
        fields.forEach((code, value) -> {
            out.writeByte(code);
            CStrings.write(out, value);
        });
        out.writeByte(0);
        Frames.endMessage(out, length);
    }
}

package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.PgMessage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** DataRow ('D'): one row in text format; a null value is SQL NULL. */
public record DataRow(List<String> values) implements PgMessage {

    public static final byte TYPE = 'D';

    public DataRow {
        // List.copyOf refuses nulls, and NULL is a value here.
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, TYPE);
        out.writeShort(values.size());
        for (String value : values) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                int sizeIndex = out.writerIndex();
                out.writeInt(0);
                int written = out.writeCharSequence(value, StandardCharsets.UTF_8);
                out.setInt(sizeIndex, written);
            }
        }
        Frames.endMessage(out, length);
    }
}

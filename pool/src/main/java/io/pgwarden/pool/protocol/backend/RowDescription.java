package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.List;
import java.util.Objects;

/** RowDescription ('T'): the columns of the rows that follow, all in text format. */
public record RowDescription(List<Field> fields) implements PgMessage {

    public static final byte TYPE = 'T';

    /**
     * One column. Only what pgwarden's own result sets need: no source table, text format.
     *
     * @param typeOid  the PostgreSQL type (25 text, 20 int8, 16 bool, ...): clients align by it
     * @param typeSize the type's size in bytes, -1 for variable length
     */
    public record Field(String name, int typeOid, short typeSize) {
        public Field {
            Objects.requireNonNull(name, "name");
        }
    }

    public RowDescription {
        fields = List.copyOf(fields);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, TYPE);
        out.writeShort(fields.size());
        for (Field field : fields) {
            CStrings.write(out, field.name());
            out.writeInt(0);             // table OID: not a table column
            out.writeShort(0);           // column attribute number
            out.writeInt(field.typeOid());
            out.writeShort(field.typeSize());
            out.writeInt(-1);            // type modifier
            out.writeShort(0);           // text format
        }
        Frames.endMessage(out, length);
    }
}

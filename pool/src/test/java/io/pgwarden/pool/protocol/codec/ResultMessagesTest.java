package io.pgwarden.pool.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.backend.CommandComplete;
import io.pgwarden.pool.protocol.backend.DataRow;
import io.pgwarden.pool.protocol.backend.EmptyQueryResponse;
import io.pgwarden.pool.protocol.backend.RowDescription;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The messages of a result set, as pgwarden's admin console writes them: read back field by field
 * as the protocol docs lay them out. Encoding starts at a non-zero writer index.
 */
class ResultMessagesTest {

    private static ByteBuf encode(PgMessage message, char type) {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {1, 2, 3});
        message.encode(out);
        out.skipBytes(3);
        assertThat((char) out.readByte()).isEqualTo(type);
        assertThat(out.readInt()).as("length counts itself and the payload").isEqualTo(out.readableBytes() + 4);
        return out;
    }

    @Test
    void rowDescription() {
        ByteBuf in = encode(new RowDescription(List.of(new RowDescription.Field("node", 25, (short) -1),
                new RowDescription.Field("sv_idle", 20, (short) 8))), 'T');

        assertThat(in.readShort()).isEqualTo((short) 2);
        assertThat(CStrings.read(in)).isEqualTo("node");
        assertThat(in.readInt()).isZero();
        assertThat(in.readShort()).isZero();
        assertThat(in.readInt()).isEqualTo(25);
        assertThat(in.readShort()).isEqualTo((short) -1);
        assertThat(in.readInt()).isEqualTo(-1);
        assertThat(in.readShort()).isZero();
        assertThat(CStrings.read(in)).isEqualTo("sv_idle");
        in.skipBytes(6);
        assertThat(in.readInt()).isEqualTo(20);
        assertThat(in.readShort()).isEqualTo((short) 8);
        in.skipBytes(6);
        assertThat(in.isReadable()).isFalse();
    }

    @Test
    void dataRowWithNullAndMultiByteText() {
        ByteBuf in = encode(new DataRow(Arrays.asList("zürich", null, "")), 'D');

        assertThat(in.readShort()).isEqualTo((short) 3);
        int size = in.readInt();
        assertThat(size).isEqualTo("zürich".getBytes(StandardCharsets.UTF_8).length);
        assertThat(in.readCharSequence(size, StandardCharsets.UTF_8).toString()).isEqualTo("zürich");
        assertThat(in.readInt()).as("NULL").isEqualTo(-1);
        assertThat(in.readInt()).as("empty string").isZero();
        assertThat(in.isReadable()).isFalse();
    }

    @Test
    void commandCompleteAndEmptyQueryResponse() {
        ByteBuf complete = encode(new CommandComplete("SHOW"), 'C');
        assertThat(CStrings.read(complete)).isEqualTo("SHOW");
        assertThat(complete.isReadable()).isFalse();

        assertThat(encode(EmptyQueryResponse.INSTANCE, 'I').isReadable()).isFalse();
    }
}

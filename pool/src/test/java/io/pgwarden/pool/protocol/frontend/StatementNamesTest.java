package io.pgwarden.pool.protocol.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatementNamesTest {

    @Test
    void parseNamesAStatementUnlessItsNameIsEmpty() {
        assertThat(names(frame(new Parse("s1", "SELECT 1", new int[0])))).isTrue();
        assertThat(names(frame(new Parse("", "SELECT 1", new int[0])))).isFalse();
    }

    @Test
    void bindLooksPastThePortalName() {
        assertThat(names(bind("portal", "s1"))).isTrue();
        assertThat(names(bind("", "s1"))).isTrue();
        assertThat(names(bind("portal", ""))).isFalse();
        assertThat(names(bind("", ""))).isFalse();
    }

    @Test
    void describeAndCloseNameAStatementOnlyForKindS() {
        assertThat(names(target(MessageTypes.DESCRIBE, 'S', "s1"))).isTrue();
        assertThat(names(target(MessageTypes.DESCRIBE, 'S', ""))).isFalse();
        assertThat(names(target(MessageTypes.DESCRIBE, 'P', "p1"))).isFalse();
        assertThat(names(frame(new Close("s1")))).isTrue();
    }

    @Test
    void otherFramesNameNothing() {
        assertThat(names(frame(new Query("SELECT 1")))).isFalse();
        assertThat(names(frame(Sync.INSTANCE))).isFalse();
    }

    @Test
    void truncatedFramesAreLeftToTheFullDecoding() {
        ByteBuf bindWithoutNul = Unpooled.buffer();
        int length = Frames.beginMessage(bindWithoutNul, MessageTypes.BIND);
        bindWithoutNul.writeBytes("portal".getBytes(StandardCharsets.US_ASCII));
        Frames.endMessage(bindWithoutNul, length);
        assertThat(names(bindWithoutNul)).isTrue();

        ByteBuf emptyDescribe = Unpooled.buffer();
        Frames.endMessage(emptyDescribe, Frames.beginMessage(emptyDescribe, MessageTypes.DESCRIBE));
        assertThat(names(emptyDescribe)).isTrue();
    }

    @Test
    void aFrameInsideARunIsReadAtItsOwnIndex() {
        ByteBuf run = Unpooled.buffer();
        new Query("SELECT 1").encode(run);
        int bindIndex = run.writerIndex();
        run.writeBytes(bind("", "s9"));
        assertThat(StatementNames.namesStatement(run, run.readerIndex(), bindIndex)).isFalse();
        assertThat(StatementNames.namesStatement(run, bindIndex, Frames.next(run, bindIndex))).isTrue();
    }

    private static boolean names(ByteBuf frame) {
        return StatementNames.namesStatement(frame, frame.readerIndex(), frame.writerIndex());
    }

    private static ByteBuf frame(io.pgwarden.pool.protocol.PgMessage message) {
        ByteBuf out = Unpooled.buffer();
        message.encode(out);
        return out;
    }

    private static ByteBuf bind(String portal, String statement) {
        ByteBuf out = Unpooled.buffer();
        int length = Frames.beginMessage(out, MessageTypes.BIND);
        out.writeBytes(portal.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
        out.writeBytes(statement.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
        out.writeShort(0).writeShort(0).writeShort(0);
        Frames.endMessage(out, length);
        return out;
    }

    private static ByteBuf target(byte type, char kind, String name) {
        ByteBuf out = Unpooled.buffer();
        int length = Frames.beginMessage(out, type);
        out.writeByte(kind).writeBytes(name.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
        Frames.endMessage(out, length);
        return out;
    }
}

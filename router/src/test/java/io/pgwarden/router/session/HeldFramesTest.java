package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.protocol.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeldFramesTest {

    private final HeldFrames held = new HeldFrames();
    private final List<ByteBuf> made = new ArrayList<>();

    @AfterEach
    void everyBufferIsReleasedOnce() {
        held.releaseAll();
        assertThat(made).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
    }

    @Test
    void aSimpleQueryIsDroppedAloneAndWhatFollowsItStaysHeld() {
        held.add(run("Q:select 1", "Q:select 2"));

        assertThat(held.dropFirstBatch()).isEqualTo(HeldFrames.Dropped.WHOLE_BATCH);

        assertThat(typesOf(poll())).containsExactly('Q');
        assertThat(held.isEmpty()).isTrue();
    }

    @Test
    void anExtendedBatchIsDroppedUpToItsSyncAcrossRuns() {
        held.add(run("P:", "B:"));
        held.add(run("E:", "S:", "P:next"));
        held.add(run("S:"));

        assertThat(held.dropFirstBatch()).isEqualTo(HeldFrames.Dropped.WHOLE_BATCH);

        assertThat(typesOf(poll())).containsExactly('P');
        assertThat(typesOf(poll())).containsExactly('S');
        assertThat(held.isEmpty()).isTrue();
    }

    @Test
    void aBatchWithoutItsSyncIsDroppedWholeAndTheRestMustBeSkippedToTheSync() {
        held.add(run("P:", "B:", "E:", "H:"));

        assertThat(held.dropFirstBatch()).isEqualTo(HeldFrames.Dropped.UNTIL_SYNC);

        assertThat(held.isEmpty()).isTrue();
        ByteBuf later = run("B:", "S:", "Q:select 3");
        assertThat(HeldFrames.endOfSkip(later)).isEqualTo(later.writerIndex() - frameLength("select 3"));
        assertThat(HeldFrames.endOfSkip(run("E:"))).isEqualTo(-1);
        made.forEach(buf -> {
            if (buf.refCnt() > 0) {
                buf.release();
            }
        });
    }

    @Test
    void nothingHeldDropsNothing() {
        assertThat(held.dropFirstBatch()).isEqualTo(HeldFrames.Dropped.NOTHING);
    }

    private ByteBuf poll() {
        ByteBuf run = held.poll();
        assertThat(run).isNotNull();
        return run;
    }

    /** The frame types of a run; releases it. */
    private static List<Character> typesOf(ByteBuf run) {
        List<Character> types = new ArrayList<>();
        for (int index = run.readerIndex(); index < run.writerIndex(); index = Frames.next(run, index)) {
            types.add((char) Frames.typeAt(run, index));
        }
        run.release();
        return types;
    }

    /** Frames written as {@code type:payload}, one buffer. */
    private ByteBuf run(String... frames) {
        ByteBuf buf = Unpooled.buffer();
        for (String frame : frames) {
            byte[] payload = frame.substring(2).getBytes(StandardCharsets.UTF_8);
            buf.writeByte(frame.charAt(0));
            buf.writeInt(4 + payload.length);
            buf.writeBytes(payload);
        }
        made.add(buf);
        return buf;
    }

    private static int frameLength(String payload) {
        return Frames.HEADER_LENGTH + payload.getBytes(StandardCharsets.UTF_8).length;
    }
}

package io.pgwarden.pool.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplyTrackerTest {

    private final ReplyTracker tracker = new ReplyTracker();

    private void sent(String types) {
        for (char c : types.toCharArray()) {
            tracker.sent((byte) c, false);
        }
    }

    private boolean received(char type) {
        return tracker.received((byte) type);
    }

    @Test
    void aRunOfFramesIsAccountedFrameByFrame() {
        io.netty.buffer.ByteBuf run = io.netty.buffer.Unpooled.buffer();
        for (char type : "PBES".toCharArray()) {
            run.writeByte(type).writeInt(4);
        }
        tracker.sent(run);
        assertThat(tracker.isSettled()).isFalse();
        assertThat(received('1')).isTrue();
        assertThat(received('2')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(tracker.isIdle()).isFalse();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
        assertThat(tracker.isSettled()).isTrue();
    }

    @Test
    void extendedBatchIsIdleOnlyAfterReadyForQuery() {
        sent("PBDES");
        assertThat(received('1')).isTrue();
        assertThat(received('2')).isTrue();
        assertThat(received('T')).isTrue();
        assertThat(received('D')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(tracker.isIdle()).isFalse();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void injectedParseReplyIsSwallowedAndTheClientsIsNot() {
        tracker.sent((byte) 'P', true);
        sent("BES");
        assertThat(received('1')).isFalse();
        assertThat(received('2')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void errorSkipsEverythingUpToSync() {
        sent("PBES");
        tracker.sent((byte) 'P', true);
        sent("BES");
        assertThat(received('E')).isTrue();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isFalse();
        // Second batch: the injected Parse's reply is still recognized.
        assertThat(received('1')).isFalse();
        assertThat(received('2')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void simpleQueryWithSeveralStatementsEndsAtReadyForQuery() {
        sent("Q");
        assertThat(received('T')).isTrue();
        assertThat(received('D')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(received('E')).isTrue();
        assertThat(tracker.isIdle()).isFalse();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void pipelinedQueriesNeedAllTheirReadyForQuery() {
        sent("QQ");
        received('C');
        received('Z');
        assertThat(tracker.isIdle()).isFalse();
        received('C');
        received('Z');
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void injectedCloseAndDescribeStatementReplies() {
        tracker.sent((byte) 'C', true);
        sent("DS");
        assertThat(received('3')).isFalse();
        assertThat(received('t')).isTrue();
        assertThat(received('T')).isTrue();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void flushAndCopyDataExpectNoReply() {
        sent("PBEH");
        received('1');
        received('2');
        received('C');
        assertThat(tracker.isIdle()).isTrue();
        sent("Q");
        received('G');
        sent("dddc");
        received('C');
        assertThat(tracker.isIdle()).isFalse();
        received('Z');
        assertThat(tracker.isIdle()).isTrue();
    }

    @Test
    void settledOnlyAfterAReadyForQueryThatAnsweredEverything() {
        assertThat(tracker.isSettled()).isTrue();
        sent("PBEH");
        received('1');
        received('2');
        received('C');
        assertThat(tracker.isIdle()).isTrue();
        assertThat(tracker.isSettled()).as("an extended batch without Sync is still open").isFalse();
        sent("S");
        received('Z');
        assertThat(tracker.isSettled()).isTrue();
        sent("QQ");
        received('Z');
        assertThat(tracker.isSettled()).as("a pipelined query is still owed").isFalse();
        received('Z');
        assertThat(tracker.isSettled()).isTrue();
    }

    @Test
    void messagesSentWhileTheServerSkipsToSyncAreOwedNothing() {
        sent("PBE");
        assertThat(received('1')).isTrue();
        assertThat(received('E')).isTrue(); // Bind failed: the server skips to the next Sync
        // Sent after the error came back, before the Sync: the server drops them unread, Query included.
        sent("QPES");
        assertThat(tracker.isIdle()).isFalse();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isIdle()).as("the one ReadyForQuery answered everything").isTrue();
        assertThat(tracker.isSettled()).isTrue();

        // And the count is right for what follows.
        sent("Q");
        assertThat(received('T')).isTrue();
        assertThat(received('C')).isTrue();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isSettled()).isTrue();
    }

    @Test
    void flushWithABodyIsAnsweredWithAnErrorAndStartsASkip() {
        io.netty.buffer.ByteBuf run = io.netty.buffer.Unpooled.buffer();
        run.writeByte('H').writeInt(6).writeByte(1).writeByte(2); // a Flush that carries junk
        run.writeByte('Q').writeInt(5).writeByte(0);              // dropped by the skipping server
        tracker.sent(run);
        run.release();
        assertThat(received('E')).isTrue();
        sent("S");
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isSettled()).as("the Query inside the skip is owed nothing").isTrue();
    }

    @Test
    void emptyFlushIsOwedNothing() {
        io.netty.buffer.ByteBuf run = io.netty.buffer.Unpooled.buffer();
        run.writeByte('H').writeInt(4);
        run.writeByte('S').writeInt(4);
        tracker.sent(run);
        run.release();
        assertThat(received('Z')).isTrue();
        assertThat(tracker.isSettled()).isTrue();
    }
}

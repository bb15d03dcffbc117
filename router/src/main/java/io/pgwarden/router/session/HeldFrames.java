package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;

import java.util.ArrayDeque;

/**
 * A transaction-mode client's frames that wait for a server connection (runs of whole frames, as
 * the frame decoder emits them), and what a cancel of that held work drops: the statement the
 * client waits for, as PostgreSQL would cancel the one it runs. Owns the buffers it holds.
 */
final class HeldFrames {

    /** How a dropped batch ended: with its last frame, or still open (the client has not sent its Sync yet). */
    enum Dropped { NOTHING, WHOLE_BATCH, UNTIL_SYNC }

    /** Small to start with: mostly empty, a run or two while a connection is checked out. */
    private final ArrayDeque<ByteBuf> runs = new ArrayDeque<>(2);

    void add(ByteBuf run) {
        runs.add(run);
    }

    /** The oldest run, now the caller's; null if none. */
    ByteBuf poll() {
        return runs.poll();
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    /**
     * Drops the first batch: a simple Query or FunctionCall alone, else extended-protocol frames up to
     * and including the first Sync. {@link Dropped#UNTIL_SYNC} when no Sync is held yet: everything is
     * dropped, and the client's frames up to its Sync must be dropped as they come (see {@link #endOfSkip}).
     */
    Dropped dropFirstBatch() {
        ByteBuf first = runs.peek();
        if (first == null) {
            return Dropped.NOTHING;
        }
        byte type = Frames.type(first);
        boolean simple = type == MessageTypes.QUERY || type == MessageTypes.FUNCTION_CALL;
        while (!runs.isEmpty()) {
            ByteBuf run = runs.peek();
            int end = simple ? Frames.next(run, run.readerIndex()) : endOfSkip(run);
            if (end < 0) {
                runs.poll().release();
                continue;
            }
            if (end < run.writerIndex()) {
                run.readerIndex(end); // what follows the batch stays held
            } else {
                runs.poll().release();
            }
            return Dropped.WHOLE_BATCH;
        }
        return Dropped.UNTIL_SYNC;
    }

    /** Where the frame after the first Sync of {@code run} starts, or -1 if it holds none. */
    static int endOfSkip(ByteBuf run) {
        int sync = Frames.indexOf(run, MessageTypes.SYNC);
        return sync < 0 ? -1 : Frames.next(run, sync);
    }

    void releaseAll() {
        ByteBuf run;
        while ((run = runs.poll()) != null) {
            run.release();
        }
    }
}

package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;

import java.util.ArrayDeque;

/**
 * Knows which replies a server still owes, message by message, following the protocol's rules:
 * each Parse/Bind/Close/Describe/Execute gets its own completion, Sync and Query end with
 * ReadyForQuery, and after an error in an extended batch the server skips everything up to the
 * next Sync. That lets the pool (a) release a connection only when nothing is in flight, and
 * (b) swallow the replies to messages it injected itself (a re-Parse before a Bind, a Close of
 * an evicted statement) without ever touching a reply the client is waiting for.
 *
 * <p>Called from the client's loop (sent) and the server's loop (received), hence synchronized;
 * the two never contend for long.
 */
public final class ReplyTracker {

    /*
     * A message awaiting its reply is its type byte, with the high bit set when the pool injected
     * it. Type bytes are ASCII, so the bit is free, and boxed bytes are cached: no allocation.
     */
    private static final int INJECTED = 0x80;

    private static byte typeOf(byte code) {
        return (byte) (code & ~INJECTED);
    }

    private static boolean injected(byte code) {
        return (code & INJECTED) != 0;
    }

    private final ArrayDeque<Byte> pending = new ArrayDeque<>();
    /**
     * True when the last reply was a ReadyForQuery that answered everything sent. Kept under the
     * same lock as the queue: a message sent while a ReadyForQuery is being handled on the other
     * loop must never leave it looking settled.
     */
    private boolean settled = true;
    /**
     * The server is skipping to a Sync not sent yet (after an error in an extended batch): it reads
     * and drops every message up to that Sync, Query and FunctionCall included, so none of them is
     * owed a reply. Without this, a Query sent into the skip would be counted as owed a
     * ReadyForQuery, and the count would stay off by one from then on.
     */
    private boolean skipping;

    /** Records a frontend message just written to the server. */
    public synchronized void sent(byte type, boolean injected) {
        record(type, injected, false);
    }

    /** Records every frame of a buffer of whole frontend frames just written to the server, under one lock. */
    public synchronized void sent(ByteBuf frames) {
        for (int index = frames.readerIndex(), end = frames.writerIndex(); index < end; ) {
            int next = Frames.next(frames, index);
            record(Frames.typeAt(frames, index), false, next - index > Frames.HEADER_LENGTH);
            index = next;
        }
    }

    private void record(byte type, boolean injected, boolean hasBody) {
        settled = false;
        if (skipping) {
            if (type != MessageTypes.SYNC) {
                return;
            }
            skipping = false;
        }
        switch (type) {
            case MessageTypes.PARSE, MessageTypes.BIND, MessageTypes.CLOSE, MessageTypes.DESCRIBE,
                 MessageTypes.EXECUTE, MessageTypes.SYNC, MessageTypes.QUERY, MessageTypes.FUNCTION_CALL ->
                    pending.add((byte) (injected ? type | INJECTED : type));
            case MessageTypes.FLUSH -> {
                // An empty Flush gets no reply; one with a body gets an error and starts a skip to Sync.
                if (hasBody) {
                    pending.add(type);
                }
            }
            default -> {
                // CopyData/CopyDone/CopyFail and Terminate get no reply of their own.
            }
        }
    }

    /**
     * Accounts for a reply from the server; returns false when the reply answers a message the
     * pool injected and must not reach the client.
     */
    public synchronized boolean received(byte type) {
        Byte code = pending.peek();
        if (code == null) {
            if (type == MessageTypes.READY_FOR_QUERY) {
                settled = true;
            }
            return true;
        }
        byte head = typeOf(code);
        boolean headInjected = injected(code);
        switch (type) {
            case '1' -> {
                return completes(MessageTypes.PARSE);
            }
            case '2' -> {
                return completes(MessageTypes.BIND);
            }
            case '3' -> {
                return completes(MessageTypes.CLOSE);
            }
            case 't' -> {
                return !(head == MessageTypes.DESCRIBE && headInjected);
            }
            case 'T', 'n' -> {
                return head == MessageTypes.DESCRIBE ? completes(MessageTypes.DESCRIBE) : true;
            }
            case 'C', 'I', 's' -> {
                return head == MessageTypes.EXECUTE ? completes(MessageTypes.EXECUTE) : true;
            }
            case MessageTypes.ERROR_RESPONSE -> {
                onError(head);
                return true;
            }
            case MessageTypes.READY_FOR_QUERY -> {
                // Ends a Sync, Query or FunctionCall; anything before it was skipped.
                boolean deliver = true;
                while (!pending.isEmpty()) {
                    byte done = pending.poll();
                    byte doneType = typeOf(done);
                    if (doneType == MessageTypes.SYNC || doneType == MessageTypes.QUERY
                            || doneType == MessageTypes.FUNCTION_CALL) {
                        deliver = !injected(done);
                        break;
                    }
                }
                settled = pending.isEmpty();
                return deliver;
            }
            default -> {
                // Rows, copy data, notices, notifications, parameter status: part of the head's reply.
                return true;
            }
        }
    }

    private boolean completes(byte expected) {
        Byte code = pending.peek();
        if (code != null && typeOf(code) == expected) {
            pending.poll();
            return !injected(code);
        }
        return true;
    }

    private void onError(byte head) {
        if (head == MessageTypes.QUERY || head == MessageTypes.SYNC || head == MessageTypes.FUNCTION_CALL) {
            return; // ReadyForQuery follows and closes it.
        }
        // The failing message, and everything after it up to the Sync, gets no reply.
        while (!pending.isEmpty() && (pending.peek() & ~INJECTED) != MessageTypes.SYNC) {
            pending.poll();
        }
        // Its Sync is still to come: what the client sends until then is dropped unread too.
        skipping = pending.isEmpty();
    }

    /** True when every message sent has been answered. */
    public synchronized boolean isIdle() {
        return pending.isEmpty();
    }

    /** True when nothing was sent since the ReadyForQuery that answered everything before it. */
    public synchronized boolean isSettled() {
        return settled;
    }

    public synchronized void clear() {
        pending.clear();
        skipping = false;
    }
}

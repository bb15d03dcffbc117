package io.pgwarden.router.session;

import io.pgwarden.pool.protocol.frontend.Parse;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A transaction-mode client's named prepared statements. Each gets a server-side name unique to
 * this client ({@code pgw_<client>_<n>}), so it can be re-prepared on whichever server
 * connection serves the client next without ever clashing with another client's statement.
 *
 * <p>A name counts from the Parse on, so a Bind pipelined behind it finds it, but a Parse the
 * server refuses (or skips after an earlier error) is undone when the error arrives: the name
 * then means what it meant before, as on PostgreSQL itself.
 */
final class ClientStatements {

    /** A client Parse awaiting its ParseComplete; {@code replaced} is what the name meant before. */
    private record Unanswered(String clientName, Parse serverParse, Parse replaced) {
    }

    /** An unnamed Parse: it gets a ParseComplete too, but there is nothing to undo. */
    private static final Unanswered UNNAMED = new Unanswered("", null, null);
    /** A Sync, Query or FunctionCall: the end of a batch, answered by ReadyForQuery. */
    private static final Unanswered END_OF_BATCH = new Unanswered(null, null, null);

    private final String prefix;
    private final Map<String, Parse> byClientName = new HashMap<>();
    /** Parses and batch ends the client sent, oldest first, until their replies reach it. */
    /** Small to start with: an idle client owes nothing, a busy one grows it. */
    private final ArrayDeque<Unanswered> unanswered = new ArrayDeque<>(4);
    private long next;

    ClientStatements(long clientId) {
        this.prefix = "pgw_" + Long.toHexString(clientId) + "_";
    }

    /** Registers the client's Parse and returns it renamed for the server. */
    Parse register(Parse clientParse) {
        Parse serverParse = clientParse.withName(prefix + (next++));
        Parse replaced = byClientName.put(clientParse.name(), serverParse);
        unanswered.add(new Unanswered(clientParse.name(), serverParse, replaced));
        return serverParse;
    }

    /** The client sent a Parse of the unnamed statement. */
    void unnamedParseSent() {
        unanswered.add(UNNAMED);
    }

    /** The client sent a Sync, Query or FunctionCall. */
    void batchEndSent() {
        unanswered.add(END_OF_BATCH);
    }

    /** ParseComplete reached the client: its oldest unanswered Parse stands. */
    void parseCompleted() {
        if (unanswered.peek() != END_OF_BATCH) {
            unanswered.poll();
        }
    }

    /**
     * ErrorResponse reached the client: the server skips the rest of the batch, so no Parse of
     * it that is still unanswered happened. Undoes their names and hands each server-side name,
     * which was never created, to {@code notCreated}.
     */
    void batchFailed(Consumer<String> notCreated) {
        while (!unanswered.isEmpty() && unanswered.peek() != END_OF_BATCH) {
            Unanswered parse = unanswered.poll();
            if (parse == UNNAMED) {
                continue;
            }
            if (byClientName.get(parse.clientName()) == parse.serverParse()) {
                if (parse.replaced() == null) {
                    byClientName.remove(parse.clientName());
                } else {
                    byClientName.put(parse.clientName(), parse.replaced());
                }
            }
            notCreated.accept(parse.serverParse().name());
        }
    }

    /** ReadyForQuery reached the client: the oldest batch is over. */
    void readyForQuery() {
        Unanswered done;
        do {
            done = unanswered.poll();
        } while (done != null && done != END_OF_BATCH);
    }

    /** The server-side Parse for a client's statement name. */
    Optional<Parse> lookup(String clientName) {
        return Optional.ofNullable(byClientName.get(clientName));
    }

    Optional<Parse> remove(String clientName) {
        return Optional.ofNullable(byClientName.remove(clientName));
    }

    void clear() {
        byClientName.clear();
    }
}

package io.pgwarden.router.session;

import io.pgwarden.pool.protocol.frontend.Parse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientStatementsTest {

    private final ClientStatements statements = new ClientStatements(0x1f);
    private final List<String> notCreated = new ArrayList<>();

    @Test
    void namesAreUniquePerClientAndUsableBeforeTheParseIsAnswered() {
        Parse first = statements.register(parse("s1", "select 1"));
        Parse second = statements.register(parse("s2", "select 2"));

        assertThat(first.name()).isEqualTo("pgw_1f_0");
        assertThat(second.name()).isEqualTo("pgw_1f_1");
        assertThat(statements.lookup("s1")).contains(first);
        assertThat(second.query()).isEqualTo("select 2");
    }

    @Test
    void answeredParseSurvivesALaterErrorInItsBatch() {
        Parse kept = statements.register(parse("s1", "select 1"));
        statements.register(parse("s2", "selec 2"));
        statements.batchEndSent();

        statements.parseCompleted();
        statements.batchFailed(notCreated::add);
        statements.readyForQuery();

        assertThat(statements.lookup("s1")).contains(kept);
        assertThat(statements.lookup("s2")).isEmpty();
        assertThat(notCreated).containsExactly("pgw_1f_1");
    }

    @Test
    void failedParseOfAnExistingNameLeavesTheOldStatement() {
        Parse old = statements.register(parse("s", "select 1"));
        statements.batchEndSent();
        statements.parseCompleted();
        statements.readyForQuery();

        statements.register(parse("s", "selec 2"));
        statements.batchEndSent();
        statements.batchFailed(notCreated::add);
        statements.readyForQuery();

        assertThat(statements.lookup("s")).contains(old);
        assertThat(notCreated).containsExactly("pgw_1f_1");
    }

    @Test
    void unnamedParsesKeepTheAnswersAligned() {
        statements.unnamedParseSent();
        Parse named = statements.register(parse("s", "select 1"));
        statements.batchEndSent();

        statements.parseCompleted(); // the unnamed one
        statements.parseCompleted(); // s
        statements.batchFailed(notCreated::add); // e.g. the Execute failed
        statements.readyForQuery();

        assertThat(statements.lookup("s")).contains(named);
        assertThat(notCreated).isEmpty();
    }

    @Test
    void anErrorOnlyUndoesItsOwnBatch() {
        statements.register(parse("a", "selec 1"));
        statements.batchEndSent();
        Parse later = statements.register(parse("b", "select 2"));
        statements.batchEndSent();

        statements.batchFailed(notCreated::add);
        statements.readyForQuery();
        statements.parseCompleted();
        statements.readyForQuery();

        assertThat(statements.lookup("a")).isEmpty();
        assertThat(statements.lookup("b")).contains(later);
        assertThat(notCreated).containsExactly("pgw_1f_0");
    }

    @Test
    void closedNameIsNotRestoredByAFailureOfItsParse() {
        statements.register(parse("s", "selec 1"));
        statements.remove("s");
        statements.batchEndSent();

        statements.batchFailed(notCreated::add);
        statements.readyForQuery();

        assertThat(statements.lookup("s")).isEmpty();
        assertThat(notCreated).containsExactly("pgw_1f_0");
    }

    private static Parse parse(String name, String sql) {
        return new Parse(name, sql, new int[0]);
    }
}

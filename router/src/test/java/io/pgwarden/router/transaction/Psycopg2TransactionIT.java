package io.pgwarden.router.transaction;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.router.RouterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** psycopg2 (libpq underneath) in transaction mode, two connections sharing a pool of two. */
class Psycopg2TransactionIT {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(45);

    /**
     * Connection a works while connection b runs its own transactions in between, so a's
     * statements between transactions go wherever the pool sends them. Each check prints one line.
     */
    private static final String SCRIPT = """
            import sys
            import psycopg2
            import psycopg2.errors

            def connect(name):
                return psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), dbname="postgres",
                                        user=sys.argv[2], password=sys.argv[3], connect_timeout=5,
                                        application_name=name)

            a = connect("py-a")
            b = connect("py-b")

            a.autocommit = True
            with a.cursor() as cur:
                cur.execute("create table py_tx (id int primary key, name text not null, price numeric)")
            a.autocommit = False

            with a.cursor() as cur:
                cur.execute("select %s::int + %s::int, %s::text", (40, 2, "o'range"))
                print("params", *cur.fetchone())
                cur.execute("select %(id)s::int * 2, %(name)s::text", {"id": 21, "name": "named"})
                print("named params", *cur.fetchone())
            a.commit()

            with a:
                with a.cursor() as cur:
                    cur.executemany("insert into py_tx values (%s, %s, %s)",
                                    [(1, "apple", 1.25), (2, "pear", None), (3, "fig", 2.50)])
                    with b.cursor() as other:
                        other.execute("select count(*) from py_tx")
                        print("other sees uncommitted", other.fetchone()[0])
                    b.commit()
                    cur.execute("select count(*) from py_tx")
                    print("own rows in transaction", cur.fetchone()[0])
            with b.cursor() as other:
                other.execute("select count(*) from py_tx")
                print("other sees committed", other.fetchone()[0])
            b.commit()

            try:
                with a:
                    with a.cursor() as cur:
                        cur.execute("insert into py_tx values (%s, %s, %s)", (4, "kiwi", 3))
                        cur.execute("select 1 / %s", (0,))
            except psycopg2.errors.DivisionByZero as e:
                print("rolled back", e.pgcode)
            with a.cursor() as cur:
                cur.execute("select count(*), sum(price), current_setting('application_name') from py_tx")
                print("after rollback", *cur.fetchone())
            a.commit()

            seen_by_other = set()
            with a:
                with a.cursor(name="py_big") as cur:
                    cur.itersize = 100
                    cur.execute("select g from generate_series(1, 1000) g")
                    total = 0
                    for i, row in enumerate(cur):
                        total += row[0]
                        if i % 250 == 0:
                            with b.cursor() as other:
                                other.execute("select count(*), current_setting('application_name') from pg_cursors"
                                              " where name = 'py_big'")
                                seen_by_other.add(other.fetchone())
                            b.commit()
                    print("cursor", total)
            print("other sees cursor", *sorted(seen_by_other))

            a.autocommit = True
            with a.cursor() as cur:
                cur.execute("select %s::int + 1", (41,))
                print("autocommit", cur.fetchone()[0])
            a.close()
            b.close()
            """;

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster() throws Exception {
        fixture = TransactionPool.start(2);
    }

    @AfterAll
    @Timeout(60)
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Timeout(60)
    void parametersTransactionsRollbackAndANamedCursor() {
        String python = ClientTools.python3ForPsycopg2().toString();
        CommandResult result = Commands.run(
                List.of(python, "-c", SCRIPT, String.valueOf(fixture.primaryPort()), RouterFixture.USER, RouterFixture.PASSWORD),
                Map.of(), null, SCRIPT_TIMEOUT).requireSuccess("psycopg2 script");

        assertThat(result.stdout().lines()).containsExactly(
                "params 42 o'range",
                "named params 42 named",
                "other sees uncommitted 0",
                "own rows in transaction 3",
                "other sees committed 3",
                "rolled back 22012",
                "after rollback 3 3.75 py-a",
                "cursor 500500",
                "other sees cursor (0, 'py-b')",
                "autocommit 42");
    }
}

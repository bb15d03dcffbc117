package io.pgwarden.router.clients;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.SharedRouterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** psycopg2 (libpq underneath, its own protocol habits on top) through both router ports. */
@ExtendWith(SharedRouterFixture.class)
class Psycopg2IT {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(45);

    /**
     * DDL, parameterised inserts, a committed and a rolled-back transaction, a server-side
     * cursor, then one query on the replica port. Each check prints one line.
     */
    private static final String SCRIPT = """
            import sys
            import psycopg2
            import psycopg2.errors

            def connect(port):
                return psycopg2.connect(host="127.0.0.1", port=port, dbname="postgres",
                                        user=sys.argv[3], password=sys.argv[4], connect_timeout=5)

            conn = connect(int(sys.argv[1]))
            with conn:
                with conn.cursor() as cur:
                    cur.execute("create table py_items (id int primary key, name text not null, price numeric)")
                    cur.executemany("insert into py_items values (%s, %s, %s)",
                                    [(1, "apple", 1.25), (2, "o'range", 2.50), (3, "pear", None)])
            try:
                with conn:
                    with conn.cursor() as cur:
                        cur.execute("insert into py_items values (%s, %s, %s)", (4, "kiwi", 3))
                        cur.execute("select 1 / 0")
            except psycopg2.errors.DivisionByZero as e:
                print("rolled back", e.pgcode)
            with conn.cursor() as cur:
                cur.execute("select count(*), sum(price) from py_items")
                count, total = cur.fetchone()
                print("rows", count, "sum", total)
                cur.execute("select name from py_items where id = %(id)s", {"id": 2})
                print("name", cur.fetchone()[0])
            with conn:
                with conn.cursor(name="big") as cur:
                    cur.itersize = 1000
                    cur.execute("select g from generate_series(1, 5000) g")
                    print("cursor", sum(row[0] for row in cur))
            with conn.cursor() as cur:
                cur.execute("select pg_is_in_recovery()")
                print("primary in recovery", cur.fetchone()[0])
            conn.close()

            replica = connect(int(sys.argv[2]))
            with replica.cursor() as cur:
                cur.execute("select pg_is_in_recovery(), %s::int + 1", (41,))
                print("replica in recovery", *cur.fetchone())
            replica.close()
            """;

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster(RouterFixture shared) throws Exception {
        fixture = shared;
    }

    @Test
    @Timeout(60)
    void scriptRunsThroughBothPorts() {
        String python = ClientTools.python3ForPsycopg2().toString();
        CommandResult result = Commands.run(
                List.of(python, "-c", SCRIPT, String.valueOf(fixture.primaryPort()), String.valueOf(fixture.replicaPort()),
                        RouterFixture.USER, RouterFixture.PASSWORD),
                Map.of(), null, SCRIPT_TIMEOUT).requireSuccess("psycopg2 script");

        assertThat(result.stdout().lines()).containsExactly(
                "rolled back 22012",
                "rows 3 sum 3.75",
                "name o'range",
                "cursor 12502500",
                "primary in recovery False",
                "replica in recovery True 42");
    }
}

package io.pgwarden.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** pgjdbc's {@link Statement#cancel()} against a running {@code pg_sleep}, as the cancel tests use it. */
public final class JdbcCancel {

    private JdbcCancel() {
    }

    /** Runs a 20 s sleep on {@code st}, cancels it from another thread after 500 ms, and expects 57014. */
    public static void assertSleepIsCancelled(Statement st) throws Exception {
        CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(500);
                st.cancel();
            } catch (InterruptedException | SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> st.execute("select pg_sleep(20)"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
        cancel.get(5, TimeUnit.SECONDS);
    }
}

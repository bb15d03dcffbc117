package io.pgwarden.discovery.patroni;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LsnAndConnUrlTest {

    @Test
    void lsnInBothForms() {
        assertThat(Lsn.parse("50331744")).isEqualTo(50331744L);
        assertThat(Lsn.parse("0/3000060")).isEqualTo(0x3000060L);
        assertThat(Lsn.parse("1/0")).isEqualTo(1L << 32);
        assertThat(Lsn.parse("7FFFFFFF/FFFFFFFF")).isEqualTo(Long.MAX_VALUE);
        assertThat(Lsn.format(0x3000060L)).isEqualTo("0/3000060");
        assertThat(Lsn.format((5L << 32) | 0xABL)).isEqualTo("5/AB");
        assertThatThrownBy(() -> Lsn.parse("x/1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("-5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("80000000/0")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "postgres://127.0.0.1:15431/postgres, 127.0.0.1, 15431",
            "postgresql://db1.example:6432/postgres, db1.example, 6432",
            "postgres://user:secret@10.0.0.1:5433/postgres?sslmode=require, 10.0.0.1, 5433",
            "postgres://10.0.0.1/postgres, 10.0.0.1, 5432",
            "postgres://node_1, node_1, 5432",
            "postgres://[::1]:5434/postgres, ::1, 5434",
            "postgres://[fe80::1], fe80::1, 5432",
            "POSTGRES://H:1/x, H, 1",
    })
    void hostAndPort(String url, String host, int port) {
        assertThat(ConnUrl.parse(url)).isEqualTo(new ConnUrl(host, port));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://h:1/", "postgres://", "postgres://:5432/x", "postgres://h:x/",
            "postgres://h:70000/", "postgres://a:1,b:2/db", "postgres://[::1/"})
    void notAConnUrl(String url) {
        assertThatThrownBy(() -> ConnUrl.parse(url)).isInstanceOf(IllegalArgumentException.class);
    }
}

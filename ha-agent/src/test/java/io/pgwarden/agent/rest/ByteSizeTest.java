package io.pgwarden.agent.rest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code ?lag=} values as Patroni's documentation writes them. */
class ByteSizeTest {

    @Test
    void plainNumbersAreBytes() {
        assertThat(ByteSize.parse("1048576")).isEqualTo(1_048_576L);
        assertThat(ByteSize.parse("0")).isZero();
        assertThat(ByteSize.parse(" 42 ")).isEqualTo(42);
    }

    @Test
    void postgresMemoryUnitsAre1024Based() {
        assertThat(ByteSize.parse("100B")).isEqualTo(100);
        assertThat(ByteSize.parse("16kB")).isEqualTo(16_384);
        assertThat(ByteSize.parse("1024kB")).isEqualTo(1_048_576);
        assertThat(ByteSize.parse("10MB")).isEqualTo(10_485_760);
        assertThat(ByteSize.parse("1GB")).isEqualTo(1L << 30);
        assertThat(ByteSize.parse("2TB")).isEqualTo(2L << 40);
        assertThat(ByteSize.parse("10 MB")).isEqualTo(10_485_760);
    }

    @Test
    void fractionsRoundToWholeBytes() {
        assertThat(ByteSize.parse("1.5MB")).isEqualTo(1_572_864);
        assertThat(ByteSize.parse("0.5kB")).isEqualTo(512);
        assertThat(ByteSize.parse(".5B")).isEqualTo(0); // half to even, as Python's round
    }

    @Test
    void anythingElseIsRejected() {
        for (String bad : new String[] {"", "ten", "10mb", "10 KB", "-1", "1e3", "10MBs", "0x10", "99999999TB"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> ByteSize.parseQuery("ten")).isInstanceOf(BadQueryException.class);
    }
}

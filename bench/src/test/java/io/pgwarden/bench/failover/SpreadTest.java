package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpreadTest {

    @Test
    void minMedianAndMaxOfAnOddCountWhateverTheOrder() {
        assertThat(Spread.of(List.of(3000L, 1000L, 2500L))).isEqualTo(new Spread(1000, 2500, 3000));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Spread.of(List.of(4L, 1L, 2L, 9L))).isEqualTo(new Spread(1, 3, 9));
    }

    @Test
    void oneValueIsAllThree() {
        assertThat(Spread.of(List.of(7L))).isEqualTo(new Spread(7, 7, 7));
    }

    @Test
    void noValuesIsAnError() {
        assertThatThrownBy(() -> Spread.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

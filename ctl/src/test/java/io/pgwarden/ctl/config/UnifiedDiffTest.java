package io.pgwarden.ctl.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {

    @Test
    void equalTextsHaveNoDiff() {
        assertThat(UnifiedDiff.diff("a\nb\n", "a\nb\n", "x", "y")).isEmpty();
    }

    @Test
    void aChangedLineWithContext() {
        String before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        String after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assertThat(UnifiedDiff.diff(before, after, "old", "new")).isEqualTo("""
                --- old
                +++ new
                @@ -2,7 +2,7 @@
                 b
                 c
                 d
                -e
                +E
                 f
                 g
                 h
                """);
    }

    @Test
    void farApartChangesMakeTwoHunks() {
        StringBuilder before = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            before.append(i).append('\n');
        }
        String after = before.toString().replace("\n2\n", "\ntwo\n").replace("\n19\n", "\n").concat("21\n");
        assertThat(UnifiedDiff.diff(before.toString(), after, "a", "b")).isEqualTo("""
                --- a
                +++ b
                @@ -1,5 +1,5 @@
                 1
                -2
                +two
                 3
                 4
                 5
                @@ -16,5 +16,5 @@
                 16
                 17
                 18
                -19
                 20
                +21
                """);
    }

    @Test
    void insertionIntoAnEmptyTextAndDeletionOfAll() {
        assertThat(UnifiedDiff.diff("", "a\n", "x", "y")).isEqualTo("--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n");
        assertThat(UnifiedDiff.diff("a\nb\n", "", "x", "y")).isEqualTo("--- x\n+++ y\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    }
}

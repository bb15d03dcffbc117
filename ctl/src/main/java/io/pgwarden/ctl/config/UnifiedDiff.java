package io.pgwarden.ctl.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts, line by line, with three lines of context: what edit-config shows
 * before it writes. Longest common subsequence; configurations are small.
 */
public final class UnifiedDiff {

    private static final int CONTEXT = 3;

    private UnifiedDiff() {
    }

    /** Empty when the texts are equal. */
    public static String diff(String before, String after, String beforeName, String afterName) {
        List<String> a = lines(before);
        List<String> b = lines(after);
        List<Edit> edits = edits(a, b);
        if (edits.stream().allMatch(e -> e.kind == ' ')) {
            return "";
        }
        StringBuilder out = new StringBuilder("--- ").append(beforeName).append('\n')
                .append("+++ ").append(afterName).append('\n');
        int i = 0;
        while (i < edits.size()) {
            // Find the next change, then grow the hunk while changes are within 2 * CONTEXT of each other.
            int firstChange = i;
            while (firstChange < edits.size() && edits.get(firstChange).kind == ' ') {
                firstChange++;
            }
            if (firstChange == edits.size()) {
                break;
            }
            int start = Math.max(i, firstChange - CONTEXT);
            int end = firstChange;
            int scan = firstChange;
            while (scan < edits.size()) {
                if (edits.get(scan).kind != ' ') {
                    end = scan;
                    scan++;
                    continue;
                }
                int run = scan;
                while (run < edits.size() && edits.get(run).kind == ' ') {
                    run++;
                }
                if (run < edits.size() && run - scan <= 2 * CONTEXT) {
                    scan = run;
                } else {
                    break;
                }
            }
            int stop = Math.min(edits.size(), end + 1 + CONTEXT);
            hunk(out, edits.subList(start, stop));
            i = stop;
        }
        return out.toString();
    }

    private static void hunk(StringBuilder out, List<Edit> hunk) {
        int aStart = -1;
        int bStart = -1;
        int aCount = 0;
        int bCount = 0;
        for (Edit e : hunk) {
            if (e.kind != '+') {
                aStart = aStart < 0 ? e.aLine : aStart;
                aCount++;
            }
            if (e.kind != '-') {
                bStart = bStart < 0 ? e.bLine : bStart;
                bCount++;
            }
        }
        // An empty side is numbered by the line before it, as diff(1) does.
        if (aStart < 0) {
            aStart = hunk.get(0).aLine - 1;
        }
        if (bStart < 0) {
            bStart = hunk.get(0).bLine - 1;
        }
        out.append("@@ -").append(range(aStart, aCount)).append(" +").append(range(bStart, bCount)).append(" @@\n");
        for (Edit e : hunk) {
            out.append(e.kind).append(e.text).append('\n');
        }
    }

    private static String range(int start, int count) {
        return count == 1 ? String.valueOf(start) : start + "," + count;
    }

    /** One line of the diff; aLine/bLine are 1-based positions in each text (of the next line for inserts/deletes). */
    private record Edit(char kind, String text, int aLine, int bLine) {
    }

    private static List<Edit> edits(List<String> a, List<String> b) {
        int n = a.size();
        int m = b.size();
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Edit> edits = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(i).equals(b.get(j))) {
                edits.add(new Edit(' ', a.get(i), i + 1, j + 1));
                i++;
                j++;
            } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
                edits.add(new Edit('+', b.get(j), i + 1, j + 1));
                j++;
            } else {
                edits.add(new Edit('-', a.get(i), i + 1, j + 1));
                i++;
            }
        }
        // Within a change, show removals before additions, as diff(1) does.
        List<Edit> ordered = new ArrayList<>();
        int k = 0;
        while (k < edits.size()) {
            if (edits.get(k).kind == ' ') {
                ordered.add(edits.get(k++));
                continue;
            }
            List<Edit> minus = new ArrayList<>();
            List<Edit> plus = new ArrayList<>();
            while (k < edits.size() && edits.get(k).kind != ' ') {
                (edits.get(k).kind == '-' ? minus : plus).add(edits.get(k));
                k++;
            }
            ordered.addAll(minus);
            ordered.addAll(plus);
        }
        return ordered;
    }

    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String trimmed = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(trimmed.split("\n", -1));
    }
}

package io.pgwarden.router.clients;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.SharedRouterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * About 100 MB of COPY FROM STDIN and COPY TO STDOUT through the primary port, byte for byte
 * the same as straight against the primary. Rows are generated while streaming, never held whole.
 */
@ExtendWith(SharedRouterFixture.class)
class CopyIT {

    private static final Logger log = LoggerFactory.getLogger(CopyIT.class);

    private static final long TARGET_BYTES = 100L * 1024 * 1024;
    private static final int NETWORK_TIMEOUT_MILLIS = 60_000;

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster(RouterFixture shared) throws Exception {
        fixture = shared;
    }

    @Test
    @Timeout(150)
    void hundredMegabytesInAndOutMatchDirect() throws Exception {
        RoundTrip routed;
        try (Connection c = fixture.connect(fixture.primaryPort())) {
            routed = roundTrip(c, "copy_routed", "router");
        }
        RoundTrip direct;
        try (Connection c = fixture.connectDirect()) {
            direct = roundTrip(c, "copy_direct", "direct");
        }

        assertThat(routed.sent().bytes()).isGreaterThanOrEqualTo(TARGET_BYTES);
        assertThat(routed.rowsCopiedIn()).isEqualTo(routed.sent().rows());
        assertThat(routed.rowsInTable()).isEqualTo(routed.sent().rows());
        assertThat(routed.received()).as("COPY TO STDOUT through the router").isEqualTo(routed.sent());
        assertThat(routed).as("through the router vs direct").isEqualTo(direct);
    }

    /** Copies generated rows into a fresh table, then the table back out, counting both ways. */
    private static RoundTrip roundTrip(Connection c, String table, String label) throws SQLException, IOException {
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
        // Unlogged: the same bytes cross the router, without 100 MB of WAL for two replicas to replay.
        execute(c, "create unlogged table " + table + " (id bigint not null, payload text not null)");
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();

        long start = System.nanoTime();
        GeneratedRows rows = new GeneratedRows(TARGET_BYTES);
        long copiedIn = copy.copyIn("COPY " + table + " FROM STDIN", rows, 64 * 1024);
        long in = System.nanoTime();
        CountingOutput out = new CountingOutput();
        long copiedOut = copy.copyOut("COPY " + table + " TO STDOUT", out);
        long done = System.nanoTime();
        assertThat(copiedOut).isEqualTo(out.transfer().rows());

        long inTable;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            inTable = rs.getLong(1);
        }
        execute(c, "drop table " + table);
        log.info("{}: {} bytes in {} ms, out in {} ms", label, rows.transfer().bytes(),
                (in - start) / 1_000_000, (done - in) / 1_000_000);
        return new RoundTrip(rows.transfer(), copiedIn, inTable, out.transfer());
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** What went one way: rows (newlines), bytes, and a digest of the rows in any order. */
    record Transfer(long rows, long bytes, long digest) {
    }

    record RoundTrip(Transfer sent, long rowsCopiedIn, long rowsInTable, Transfer received) {
    }

    /**
     * Tallies a byte stream one byte at a time. The digest adds up a hash of every row, so it
     * ignores row order: COPY TO returns a table in physical order, which is not quite the order
     * COPY FROM inserted (a later, shorter row may fill a gap in an earlier page), even directly.
     */
    private static final class Tally {
        private long rows;
        private long bytes;
        private long digest;
        private long rowHash = FNV_OFFSET;

        private static final long FNV_OFFSET = 0xcbf29ce484222325L;
        private static final long FNV_PRIME = 0x100000001b3L;

        void add(byte[] b, int off, int len) {
            bytes += len;
            for (int i = off; i < off + len; i++) {
                rowHash = (rowHash ^ (b[i] & 0xFF)) * FNV_PRIME;
                if (b[i] == '\n') {
                    rows++;
                    digest += mix(rowHash);
                    rowHash = FNV_OFFSET;
                }
            }
        }

        /** MurmurHash3's finaliser, so that sums of similar rows' hashes do not collide easily. */
        private static long mix(long h) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            return h ^ (h >>> 33);
        }

        Transfer transfer() {
            return new Transfer(rows, bytes, digest);
        }
    }

    /**
     * COPY text rows {@code id<TAB>payload<LF>}, made on demand until at least {@code target}
     * bytes have been produced. The payload varies by row and needs no escaping, so PostgreSQL
     * writes every row back exactly as it read it.
     */
    private static final class GeneratedRows extends InputStream {
        private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,;:";

        private final long target;
        private final Tally tally = new Tally();
        private long produced;
        private long nextId = 1;
        private byte[] row = new byte[0];
        private int rowPos;

        GeneratedRows(long target) {
            this.target = target;
        }

        Transfer transfer() {
            return tally.transfer();
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int written = 0;
            while (written < len) {
                if (rowPos == row.length && !nextRow()) {
                    break;
                }
                int n = Math.min(len - written, row.length - rowPos);
                System.arraycopy(row, rowPos, b, off + written, n);
                rowPos += n;
                written += n;
            }
            if (written == 0) {
                return -1;
            }
            tally.add(b, off, written);
            return written;
        }

        private boolean nextRow() {
            if (produced >= target) {
                return false;
            }
            long id = nextId++;
            int shift = (int) (id % ALPHABET.length());
            String payload = (ALPHABET.substring(shift) + ALPHABET + ALPHABET).substring(0, 80 + (int) (id % 41));
            row = (id + "\t" + payload + "\n").getBytes(StandardCharsets.US_ASCII);
            rowPos = 0;
            produced += row.length;
            return true;
        }
    }

    /** Where COPY TO STDOUT goes: counted, then dropped. */
    private static final class CountingOutput extends OutputStream {
        private final Tally tally = new Tally();

        Transfer transfer() {
            return tally.transfer();
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            tally.add(b, off, len);
        }
    }
}

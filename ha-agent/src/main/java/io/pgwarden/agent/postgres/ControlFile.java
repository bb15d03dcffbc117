package io.pgwarden.agent.postgres;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * {@code global/pg_control} read directly, in PostgreSQL 15's layout (checked by its version number and
 * its CRC): a switchover needs the state and the latest checkpoint the moment they change, and
 * pg_controldata costs a process.
 */
final class ControlFile {

    private static final int PG15_CONTROL_VERSION = 1300;
    private static final int VERSION_OFFSET = 8;
    private static final int STATE_OFFSET = 16;
    private static final int CHECKPOINT_OFFSET = 32;
    /** The CRC-32C follows the bytes it covers: offsetof(ControlFileData, crc) in PostgreSQL 15. */
    private static final int CRC_OFFSET = 288;
    /** DBState's DB_SHUTDOWNED: the shutdown checkpoint is written, nothing follows it. */
    private static final int SHUT_DOWN = 1;

    /** @param checkpoint the latest checkpoint's location */
    record Snapshot(int state, long checkpoint) {

        boolean shutDown() {
            return state == SHUT_DOWN;
        }
    }

    private final Path file;

    ControlFile(Path dataDir) {
        this.file = dataDir.resolve("global").resolve("pg_control");
    }

    /**
     * Empty when the file cannot be read, is not PostgreSQL 15's, or was read while being rewritten
     * (the CRC does not match).
     */
    Optional<Snapshot> read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (bytes.length < CRC_OFFSET + Integer.BYTES) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        if (b.getInt(VERSION_OFFSET) != PG15_CONTROL_VERSION) {
            return Optional.empty();
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC_OFFSET);
        if ((int) crc.getValue() != b.getInt(CRC_OFFSET)) {
            return Optional.empty();
        }
        return Optional.of(new Snapshot(b.getInt(STATE_OFFSET), b.getLong(CHECKPOINT_OFFSET)));
    }
}

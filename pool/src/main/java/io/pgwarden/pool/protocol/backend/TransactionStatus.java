package io.pgwarden.pool.protocol.backend;

import io.pgwarden.pool.protocol.ProtocolException;

/** The status byte of ReadyForQuery. */
public enum TransactionStatus {
    IDLE('I'),
    IN_TRANSACTION('T'),
    FAILED('E');

    private final byte code;

    TransactionStatus(char code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static TransactionStatus of(byte code) {
        return switch (code) {
            case 'I' -> IDLE;
            case 'T' -> IN_TRANSACTION;
            case 'E' -> FAILED;
            default -> throw new ProtocolException("unknown transaction status '" + (char) code + "'");
        };
    }
}

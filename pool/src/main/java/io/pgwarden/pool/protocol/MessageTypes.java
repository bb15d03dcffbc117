package io.pgwarden.pool.protocol;

/** Type bytes of the regular-phase messages pgwarden looks at. Names follow the protocol docs. */
public final class MessageTypes {

    // Frontend (client to server).
    public static final byte QUERY = 'Q';
    public static final byte PARSE = 'P';
    public static final byte BIND = 'B';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte CLOSE = 'C';
    public static final byte SYNC = 'S';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte TERMINATE = 'X';
    public static final byte PASSWORD = 'p';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';

    // Backend (server to client).
    public static final byte AUTHENTICATION = 'R';
    public static final byte PARAMETER_STATUS = 'S';
    public static final byte BACKEND_KEY_DATA = 'K';
    public static final byte READY_FOR_QUERY = 'Z';
    public static final byte ERROR_RESPONSE = 'E';
    public static final byte NOTICE_RESPONSE = 'N';
    public static final byte NEGOTIATE_PROTOCOL_VERSION = 'v';
    public static final byte COMMAND_COMPLETE = 'C';
    public static final byte PARSE_COMPLETE = '1';

    private MessageTypes() {
    }
}

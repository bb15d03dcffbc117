package io.pgwarden.router.hostile;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A client on a plain socket that writes whatever bytes it is given and reads the server's
 * messages back. Every read is bounded by the socket timeout; a connection the router resets is
 * read as closed, like one it closed cleanly.
 */
final class RawConnection implements AutoCloseable {

    /** A message from the router: type byte and payload. */
    record Message(char type, byte[] payload) {

        /** The SQLSTATE of an ErrorResponse, or empty for another message. */
        Optional<String> sqlState() {
            return field('C');
        }

        Optional<String> field(char code) {
            if (type != 'E' && type != 'N') {
                return Optional.empty();
            }
            int i = 0;
            while (i < payload.length && payload[i] != 0) {
                int end = i + 1;
                while (end < payload.length && payload[end] != 0) {
                    end++;
                }
                if (payload[i] == code) {
                    return Optional.of(new String(payload, i + 1, end - i - 1, StandardCharsets.UTF_8));
                }
                i = end + 1;
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return type == 'E' ? "E[" + field('C').orElse("?") + " " + field('M').orElse("") + "]" : String.valueOf(type);
        }
    }

    /** The router closed (or reset) the connection. */
    static final class Closed extends IOException {
        Closed(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
    }

    static RawConnection open(int port, int readTimeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(readTimeoutMillis);
            return new RawConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Writes the bytes; false if the router had already closed the connection. */
    boolean write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** No more bytes from us: the router sees end of stream. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // Already closed.
        }
    }

    /** The next message; {@link Closed} at end of stream. */
    Message read() throws IOException {
        try {
            int type = in.read();
            if (type < 0) {
                throw new Closed("end of stream");
            }
            int length = in.readInt();
            if (length < 4 || length > 16 * 1024 * 1024) {
                throw new IOException("router sent a message of type '" + (char) type + "' with length " + length);
            }
            byte[] payload = new byte[length - 4];
            in.readFully(payload);
            return new Message((char) type, payload);
        } catch (EOFException e) {
            throw new Closed("end of stream inside a message");
        } catch (SocketException e) {
            throw new Closed(e.getMessage()); // reset by the router
        }
    }

    /** One byte, as the answer to SSLRequest or GSSENCRequest; -1 at end of stream. */
    int readByte() throws IOException {
        try {
            return in.read();
        } catch (SocketException e) {
            return -1; // reset by the router
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing to do.
        }
    }
}

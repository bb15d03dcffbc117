package io.pgwarden.pool.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.GssEncRequest;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.protocol.frontend.StartupPacket;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the untyped packets that open a client connection: SSLRequest, GSSENCRequest,
 * CancelRequest and StartupMessage. Once a StartupMessage is decoded it hands the rest of the
 * stream to a {@link FrameDecoder} and removes itself, so the regular phase never pays for it.
 * That decoder keeps a login-sized limit until the session calls
 * {@link FrameDecoder#loginCompleted()}.
 *
 * <p>As in PostgreSQL, a packet with an impossible length and a connection that ends inside a
 * packet are communication errors, not protocol errors: logged, and the connection closed without
 * an ErrorResponse (the peer is likely not a PostgreSQL client, or already gone). What is framed
 * right but wrong inside (an unsupported protocol, a malformed parameter list) still fails with a
 * {@link ProtocolException}, which the session answers with FATAL 08P01 as PostgreSQL does.
 */
public final class StartupDecoder extends ByteToMessageDecoder {

    /** PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH), for the packet after its length word. */
    public static final int MAX_STARTUP_LENGTH = 10_000;
    /** The largest length word PostgreSQL accepts: it checks the length less its own four bytes. */
    static final int MAX_LENGTH_WORD = MAX_STARTUP_LENGTH + 4;

    private static final Logger log = LoggerFactory.getLogger(StartupDecoder.class);

    private final int maxFrameLength;
    private final Runnable onCommunicationError;
    private boolean failed;
    private boolean started;

    /** @param maxFrameLength the limit for the regular-phase frames that follow */
    public StartupDecoder(int maxFrameLength) {
        this(maxFrameLength, () -> { });
    }

    /**
     * @param maxFrameLength       the limit for the regular-phase frames that follow
     * @param onCommunicationError told of each connection closed for a bad length or a cut packet (metrics)
     */
    public StartupDecoder(int maxFrameLength, Runnable onCommunicationError) {
        this.maxFrameLength = maxFrameLength;
        this.onCommunicationError = onCommunicationError;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            // The client broke the protocol and is being closed: nothing it sends is decoded again.
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            decodeNext(ctx, in, out);
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
        if (failed || ctx.isRemoved()) {
            return;
        }
        if (in.isReadable()) {
            // PostgreSQL logs the same words (at LOG); the client is gone, nobody is left to tell.
            log.info("incomplete startup packet from {}", ctx.channel().remoteAddress());
            in.skipBytes(in.readableBytes());
            onCommunicationError.run();
        } else if (!started) {
            // A port probe or a client that changed its mind: PostgreSQL says nothing either.
            log.debug("connection from {} closed before a startup packet", ctx.channel().remoteAddress());
        }
    }

    private void decodeNext(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_LENGTH_WORD) {
            closeSilently(ctx, in, "invalid length of startup packet: " + length);
            return;
        }
        if (in.readableBytes() < length) {
            return;
        }
        int code = in.getInt(in.readerIndex() + 4);
        int expected = specialRequestLength(code);
        if (expected > 0 && length != expected) {
            closeSilently(ctx, in, "invalid length of " + specialRequestName(code) + ": " + length);
            return;
        }
        ByteBuf packet = in.readSlice(length).skipBytes(4);
        started = true;
        StartupPacket decoded = decodePacket(packet);
        if ((decoded instanceof SslRequest || decoded instanceof GssEncRequest) && in.isReadable()) {
            // A client must wait for the one-byte answer. Bytes already here were sent before any
            // TLS handshake, so they must not be read as if they came over it (CVE-2021-23214).
            throw new ProtocolException("received unencrypted data after " + what(decoded));
        }
        out.add(decoded);
        if (decoded instanceof StartupMessage) {
            ctx.pipeline().addAfter(ctx.name(), FrameDecoder.NAME, new FrameDecoder(maxFrameLength, FrameDecoder.MAX_LOGIN_FRAME_LENGTH));
            ctx.pipeline().remove(this);
        }
    }

    /**
     * Closes the connection without an ErrorResponse, as PostgreSQL does for a bad length
     * (COMMERROR: logged, not sent). Nothing it sends is decoded any more.
     */
    private void closeSilently(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        log.info("{} from {}; closing the connection", reason, ctx.channel().remoteAddress());
        onCommunicationError.run();
        ctx.close();
    }

    /** The one length a special request may have, or 0 for a StartupMessage. */
    private static int specialRequestLength(int code) {
        return switch (code) {
            case StartupPacket.SSL_REQUEST_CODE, StartupPacket.GSSENC_REQUEST_CODE -> 8;
            case StartupPacket.CANCEL_REQUEST_CODE -> 16;
            default -> 0;
        };
    }

    private static String specialRequestName(int code) {
        return switch (code) {
            case StartupPacket.SSL_REQUEST_CODE -> "SSLRequest";
            case StartupPacket.GSSENC_REQUEST_CODE -> "GSSENCRequest";
            default -> "CancelRequest";
        };
    }

    private static StartupPacket decodePacket(ByteBuf packet) {
        int code = packet.readInt();
        switch (code) {
            case StartupPacket.SSL_REQUEST_CODE -> {
                return SslRequest.INSTANCE;
            }
            case StartupPacket.GSSENC_REQUEST_CODE -> {
                return GssEncRequest.INSTANCE;
            }
            case StartupPacket.CANCEL_REQUEST_CODE -> {
                return new CancelRequest(packet.readInt(), packet.readInt());
            }
            default -> {
                return decodeStartupMessage(code, packet);
            }
        }
    }

    private static String what(StartupPacket packet) {
        return packet instanceof SslRequest ? "SSL request" : "GSSAPI encryption request";
    }

    private static StartupMessage decodeStartupMessage(int version, ByteBuf packet) {
        if (version >>> 16 != 3) {
            throw new ProtocolException("unsupported frontend protocol " + (version >>> 16) + "."
                    + (version & 0xFFFF) + ": server supports 3.0");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            if (!packet.isReadable()) {
                throw new ProtocolException("startup packet is not terminated");
            }
            String name = CStrings.read(packet);
            if (name.isEmpty()) {
                break;
            }
            parameters.put(name, CStrings.read(packet));
        }
        if (packet.isReadable()) {
            throw new ProtocolException("unexpected data after the startup packet's terminator");
        }
        return new StartupMessage(version, parameters);
    }
}

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

/**
 * Decodes the untyped packets that open a client connection: SSLRequest, GSSENCRequest,
 * CancelRequest and StartupMessage. Once a StartupMessage is decoded it hands the rest of the
 * stream to a {@link FrameDecoder} and removes itself, so the regular phase never pays for it.
 * That decoder keeps a login-sized limit until the session calls
 * {@link FrameDecoder#loginCompleted()}.
 */
public final class StartupDecoder extends ByteToMessageDecoder {

    /** PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_LENGTH = 10_000;

    private final int maxFrameLength;
    private boolean failed;

    /** @param maxFrameLength the limit for the regular-phase frames that follow */
    public StartupDecoder(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
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

    private void decodeNext(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_LENGTH) {
            throw new ProtocolException("invalid length of startup packet: " + length);
        }
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf packet = in.readSlice(length).skipBytes(4);
        StartupPacket decoded = decodePacket(packet, length);
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

    private static StartupPacket decodePacket(ByteBuf packet, int length) {
        int code = packet.readInt();
        switch (code) {
            case StartupPacket.SSL_REQUEST_CODE -> {
                expectLength(length, 8, "SSLRequest");
                return SslRequest.INSTANCE;
            }
            case StartupPacket.GSSENC_REQUEST_CODE -> {
                expectLength(length, 8, "GSSENCRequest");
                return GssEncRequest.INSTANCE;
            }
            case StartupPacket.CANCEL_REQUEST_CODE -> {
                expectLength(length, 16, "CancelRequest");
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

    private static void expectLength(int actual, int expected, String what) {
        if (actual != expected) {
            throw new ProtocolException("invalid length of " + what + ": " + actual);
        }
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

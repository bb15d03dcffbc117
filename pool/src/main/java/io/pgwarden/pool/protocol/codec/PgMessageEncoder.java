package io.pgwarden.pool.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.pgwarden.pool.protocol.PgMessage;

/** Encodes the messages pgwarden writes itself; forwarded frames (ByteBufs) pass by untouched. */
@Sharable
public final class PgMessageEncoder extends MessageToByteEncoder<PgMessage> {

    public static final PgMessageEncoder INSTANCE = new PgMessageEncoder();

    private PgMessageEncoder() {
        super(PgMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PgMessage msg, ByteBuf out) {
        msg.encode(out);
    }
}

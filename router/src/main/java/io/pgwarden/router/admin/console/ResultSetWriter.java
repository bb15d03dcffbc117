package io.pgwarden.router.admin.console;

import io.netty.channel.ChannelHandlerContext;
import io.pgwarden.pool.protocol.backend.CommandComplete;
import io.pgwarden.pool.protocol.backend.DataRow;
import io.pgwarden.pool.protocol.backend.RowDescription;

/**
 * Writes a {@link ResultSet} the way PostgreSQL answers a simple query: RowDescription, a DataRow
 * per row, CommandComplete (the caller sends ReadyForQuery after the last statement).
 */
final class ResultSetWriter {

    private ResultSetWriter() {
    }

    static void write(ChannelHandlerContext ctx, ResultSet result) {
        if (!result.columns().isEmpty()) {
            ctx.write(new RowDescription(result.columns().stream()
                    .map(c -> new RowDescription.Field(c.name(), c.type().oid, c.type().size))
                    .toList()));
            result.rows().forEach(row -> ctx.write(new DataRow(row)));
        }
        ctx.write(new CommandComplete(result.tag()));
    }
}

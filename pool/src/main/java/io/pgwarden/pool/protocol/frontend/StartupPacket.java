package io.pgwarden.pool.protocol.frontend;

import io.pgwarden.pool.protocol.PgMessage;

/** The first packets of a connection: they have a length but no type byte. */
public sealed interface StartupPacket extends PgMessage
        permits StartupMessage, SslRequest, GssEncRequest, CancelRequest {

    /** Request codes live in the version field; 1234 in the high half marks a special request. */
    int SSL_REQUEST_CODE = 80877103;
    int GSSENC_REQUEST_CODE = 80877104;
    int CANCEL_REQUEST_CODE = 80877102;
}

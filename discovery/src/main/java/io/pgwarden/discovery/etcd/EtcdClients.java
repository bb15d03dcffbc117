package io.pgwarden.discovery.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * Builds the jetcd clients of the agent, the router and the ctl from an {@link EtcdAccess}: TLS with
 * its CA, client certificate and key when the endpoints are https, and etcd's user and password
 * when set. The PEM files are read here (again), so a file that changed since the config was
 * loaded is reported as the loader would have.
 */
public final class EtcdClients {

    private EtcdClients() {
    }

    /**
     * A client whose calls give up (and whose reconnects stop retrying) after {@code timeout}.
     *
     * @throws EtcdConfigException if a TLS file cannot be used
     */
    public static Client create(EtcdAccess access, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return builder(access).retryMaxDuration(timeout).connectTimeout(timeout).build();
    }

    /**
     * A builder set up for {@code access}, for callers that tune more (retries, executors).
     *
     * @throws EtcdConfigException if a TLS file cannot be used
     */
    public static ClientBuilder builder(EtcdAccess access) {
        Objects.requireNonNull(access, "access");
        ClientBuilder builder = Client.builder().endpoints(access.endpoints().toArray(java.net.URI[]::new));
        access.tlsMaterial().ifPresent(tls -> {
            try {
                builder.sslContext(ssl -> {
                    if (!tls.trusted().isEmpty()) {
                        ssl.trustManager(tls.trusted());
                    }
                    tls.key().ifPresent(key -> ssl.keyManager(key, tls.chain()));
                });
            } catch (SSLException e) {
                throw new EtcdConfigException("cacert", "cannot set up TLS to etcd: " + e.getMessage(), e);
            }
            // gRPC checks etcd's certificate against this name; with several endpoints they share one
            // target, so the first endpoint's host it is (a certificate usually names every member).
            builder.authority(access.endpoints().get(0).getHost() + ":" + access.endpoints().get(0).getPort());
        });
        EtcdSecurity security = access.security();
        if (security.username().isPresent()) {
            builder.user(ByteSequence.from(security.username().get(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(security.password().orElse(""), StandardCharsets.UTF_8));
        }
        return builder;
    }
}

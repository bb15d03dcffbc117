package io.pgwarden.ctl.connect;

import io.etcd.jetcd.Client;
import io.pgwarden.ctl.CtlException;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Builds ctl's etcd client. The one place that knows how: TLS and user/password for etcd plug in
 * here (the shared factory in discovery, once it exists), and nothing else in ctl changes.
 */
public final class EtcdClientFactory {

    /**
     * @throws CtlException (usage) for an endpoint that is not {@code http://host:port}
     */
    public Client create(List<URI> endpoints, Duration timeout) {
        for (URI endpoint : endpoints) {
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("https")) {
                throw CtlException.usage("etcd endpoint " + endpoint + ": TLS to etcd is not supported by ctl yet");
            }
            if (!scheme.equals("http") || endpoint.getHost() == null || endpoint.getPort() < 0) {
                throw CtlException.usage("etcd endpoint must be http://host:port, not " + endpoint);
            }
        }
        return Client.builder()
                .endpoints(endpoints.toArray(URI[]::new))
                .connectTimeout(timeout)
                .retryMaxDuration(timeout)
                .build();
    }
}

package io.pgwarden.discovery.etcd;

import java.util.Objects;

/**
 * A setting for reaching etcd that cannot work: a missing or unreadable file, one that is not PEM,
 * a certificate without its key, an endpoint that is not a URL. {@link #key()} names the setting as
 * the config section writes it ({@code cacert}, {@code hosts[1]}); the config loaders add their
 * section and file, so the message reads as theirs do.
 */
public final class EtcdConfigException extends RuntimeException {

    private final String key;
    private final String problem;

    public EtcdConfigException(String key, String problem) {
        this(key, problem, null);
    }

    public EtcdConfigException(String key, String problem, Throwable cause) {
        super("bad value for key '" + key + "': " + problem, cause);
        this.key = Objects.requireNonNull(key, "key");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The key, relative to the section that holds the etcd settings. */
    public String key() {
        return key;
    }

    /** What is wrong with its value, without the key. */
    public String problem() {
        return problem;
    }
}

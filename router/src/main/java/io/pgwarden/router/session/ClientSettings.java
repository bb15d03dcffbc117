package io.pgwarden.router.session;

import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.router.pinning.SessionStateDetector;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The settings a client asked for at startup (application_name, DateStyle, {@code options=-c ...}),
 * kept in step with what it later changes itself, and the immutable snapshot every server connection
 * it uses is brought to. Equal snapshots are one shared instance, so a connection can tell by
 * identity that it already matches. Confined to the client's event loop.
 */
final class ClientSettings {

    private final Map<String, String> settings;
    private final UnaryOperator<Map<String, String>> canonical;
    private Map<String, String> snapshot;

    /**
     * @param settings  the client's settings from its startup packet (see {@link StartupParameters#settings})
     * @param canonical the one shared instance of an immutable settings map
     */
    ClientSettings(Map<String, String> settings, UnaryOperator<Map<String, String>> canonical) {
        this.settings = new HashMap<>(settings);
        this.canonical = canonical;
        this.snapshot = canonical.apply(Map.copyOf(settings));
    }

    /** What a server connection must match before this client may use it; replaced whenever the settings change. */
    Map<String, String> snapshot() {
        return snapshot;
    }

    /**
     * A ParameterStatus the client's server sent: when it reports a tracked setting the client changed
     * (SET application_name ...), the change is carried to its next server connections. Returns true
     * when the snapshot changed.
     */
    boolean follow(ParameterStatus status) {
        String name = status.name().toLowerCase(Locale.ROOT);
        if (!SessionStateDetector.TRACKED_SETTINGS.contains(name) || status.value().equals(settings.get(name))) {
            return false;
        }
        settings.put(name, status.value());
        snapshot = canonical.apply(Map.copyOf(settings));
        return true;
    }
}

package io.pgwarden.router.session;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one swappable reference to the {@link ReloadableSettings} in force: sessions read it at
 * login and checkout, a reload replaces it whole, so nobody sees half a config.
 */
public final class LiveSettings {

    private final AtomicReference<ReloadableSettings> current;

    public LiveSettings(ReloadableSettings initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    public ReloadableSettings current() {
        return current.get();
    }

    public void replace(ReloadableSettings next) {
        current.set(Objects.requireNonNull(next, "next"));
    }
}

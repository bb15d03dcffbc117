package io.pgwarden.router.reload;

import java.util.List;

/**
 * What a reload did.
 *
 * @param applied     keys whose new values are in force (for new logins and checkouts);
 *                    {@code auth.file (users)} when the auth file's content changed
 * @param needRestart keys whose new values were ignored: they cannot change while the router runs
 */
public record ReloadResult(List<String> applied, List<String> needRestart) {

    public ReloadResult {
        applied = List.copyOf(applied);
        needRestart = List.copyOf(needRestart);
    }

    public boolean changedNothing() {
        return applied.isEmpty() && needRestart.isEmpty();
    }
}

package io.pgwarden.local;

import java.nio.file.Path;

/**
 * A fixture's temp dir and the {@link Reaper} that cleans it up should the JVM die: made together,
 * removed together.
 */
final class FixtureDir {

    private final Path path;
    private final Reaper reaper;

    private FixtureDir(Path path, Reaper reaper) {
        this.path = path;
        this.reaper = reaper;
    }

    /**
     * @param cleanup shell lines for the reaper that stop the fixture's servers (see {@link Reaper#watch})
     */
    static FixtureDir create(String prefix, ServerUser user, String cleanup) {
        Path path = TempDirs.create(prefix, user);
        try {
            return new FixtureDir(path, Reaper.watch(path, cleanup));
        } catch (RuntimeException e) {
            TempDirs.deleteQuietly(path);
            throw e;
        }
    }

    Path path() {
        return path;
    }

    /** Deletes the dir and ends the reaper; what cannot be deleted now, the reaper removes once the JVM exits. */
    void delete() {
        if (TempDirs.deleteQuietly(path)) {
            reaper.stop();
        }
    }
}

package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Temp directories for fixtures: created for the server's user, removed without fuss. */
public final class TempDirs {

    private static final Logger LOG = LoggerFactory.getLogger(TempDirs.class);

    private TempDirs() {
    }

    /** A new 0700 directory under {@code java.io.tmpdir}, owned by the JVM's own user. */
    public static Path create(String prefix) {
        return create(prefix, ServerUser.direct());
    }

    /**
     * A new 0700 directory under {@code java.io.tmpdir}, owned by {@code user}. Falls back to /tmp when
     * the configured tmpdir sits somewhere that user cannot reach (say under /root).
     */
    static Path create(String prefix, ServerUser user) {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (!user.canTraverse(base)) {
            base = Path.of("/tmp");
        }
        try {
            Path dir = Files.createTempDirectory(base, prefix); // 0700 on POSIX
            user.own(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temp dir under " + base, e);
        }
    }

    /** Deletes a tree; files that vanish meanwhile are fine. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes a fixture's temp dir; false (logged) if something is left, which its reaper then removes. */
    static boolean deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
            return false;
        }
    }
}

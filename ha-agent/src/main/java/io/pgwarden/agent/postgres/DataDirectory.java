package io.pgwarden.agent.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The files of one data directory that the agent reads and writes, and the two beside it (the server
 * log and the replication password file), all owned by the server's OS user. Files beside the data
 * directory are neither copied by pg_basebackup nor overwritten by pg_rewind.
 */
final class DataDirectory {

    /** The agent's settings, included from postgresql.conf. */
    static final String AGENT_CONF = "pgwarden.conf";
    /** A standby's recovery settings, included from {@value #AGENT_CONF}. */
    static final String RECOVERY_CONF = "pgwarden-recovery.conf";
    static final String INCLUDE_LINE = "include '" + AGENT_CONF + "'";

    /** Files pg_rewind would replace with the source's, which keep this node's own contents. */
    private static final List<String> CONFIG_FILES = List.of("postgresql.conf", "postgresql.auto.conf",
            "pg_hba.conf", "pg_ident.conf", AGENT_CONF, RECOVERY_CONF);

    private static final String DIR_MODE = "rwx------";
    private static final String FILE_MODE = "rw-------";

    private final Path dir;
    private final Path parent;
    private final String fileStem;
    private final OsUser user;

    /** @param memberName names the log and password files beside the data directory */
    DataDirectory(Path dir, String memberName, OsUser user) {
        this.dir = dir.toAbsolutePath().normalize();
        this.parent = this.dir.getParent() == null ? this.dir : this.dir.getParent();
        this.fileStem = memberName.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.user = user;
    }

    Path path() {
        return dir;
    }

    Path parent() {
        return parent;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** {@code pg_ctl -l}: beside the data directory, so that neither pg_basebackup nor pg_rewind copies it. */
    Path logFile() {
        return parent.resolve(fileStem + ".log");
    }

    /** The replication user's password for the walreceiver (libpq passfile), mode 0600. */
    Path passFile() {
        return parent.resolve(fileStem + ".pgpass");
    }

    boolean isInitialized() {
        return Files.isRegularFile(file("PG_VERSION"));
    }

    /**
     * Makes sure the data directory exists, is empty, belongs to the OS user and has mode 0700; its
     * parent too, when it has to be created.
     */
    void prepareEmpty() {
        try {
            if (!Files.isDirectory(parent)) {
                Files.createDirectories(parent);
                user.own(parent, DIR_MODE);
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                if (entries.iterator().hasNext()) {
                    throw new PostgresException("data directory " + dir + " is not empty");
                }
            }
            user.own(dir, DIR_MODE);
        } catch (IOException e) {
            throw new PostgresException("could not prepare the data directory " + dir + ": " + e, e);
        }
    }

    /** Deletes everything inside the data directory (symbolic links, not what they point to), keeping it. */
    void removeContents() {
        if (!Files.isDirectory(dir)) {
            prepareEmpty();
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
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
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    if (!d.equals(dir)) {
                        Files.deleteIfExists(d);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new PostgresException("could not empty the data directory " + dir + ": " + e, e);
        }
        prepareEmpty();
    }

    /** Replaces {@code file} atomically with {@code text}, owned by the OS user, mode 0600. */
    void write(Path file, String text) {
        Path temp = file.resolveSibling(file.getFileName() + ".pgwarden-tmp");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            user.own(temp, FILE_MODE);
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new PostgresException("could not write " + file + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the write already failed, and that is what gets reported
            }
        }
    }

    /** Creates {@code file} empty, owned by the OS user, unless it exists. */
    void touch(Path file) {
        if (!Files.exists(file)) {
            write(file, "");
        }
    }

    void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PostgresException("could not delete " + file + ": " + e, e);
        }
    }

    /** Appends {@value #INCLUDE_LINE} to postgresql.conf unless it is there: after initdb's settings, so it wins over them. */
    void ensureIncluded() {
        Path conf = file("postgresql.conf");
        String text = read(conf);
        boolean present = text.lines().map(String::strip).anyMatch(INCLUDE_LINE::equals);
        if (!present) {
            String separator = text.isEmpty() || text.endsWith("\n") ? "" : "\n";
            write(conf, text + separator + "\n# pgwarden agent: this node's settings (ALTER SYSTEM still wins)\n"
                    + INCLUDE_LINE + "\n");
        }
    }

    /**
     * Drops the lines setting {@code names} from postgresql.auto.conf: what a clone brought along from
     * its source's ALTER SYSTEM that the agent sets itself.
     */
    void removeAutoConfSettings(Set<String> names) {
        Path auto = file("postgresql.auto.conf");
        if (!Files.exists(auto)) {
            return;
        }
        String text = read(auto);
        StringBuilder kept = new StringBuilder();
        boolean changed = false;
        for (String line : text.split("\n", -1)) {
            String name = line.strip().split("[\\s=]", 2)[0].toLowerCase(java.util.Locale.ROOT);
            if (names.contains(name)) {
                changed = true;
            } else {
                kept.append(line).append('\n');
            }
        }
        if (changed) {
            write(auto, kept.substring(0, kept.length() - 1));
        }
    }

    /** The configuration files as they are now, to put back after pg_rewind replaced them with the source's. */
    Map<Path, String> saveConfig() {
        Map<Path, String> saved = new LinkedHashMap<>();
        for (String name : CONFIG_FILES) {
            Path file = file(name);
            saved.put(file, Files.exists(file) ? read(file) : null);
        }
        return saved;
    }

    /** Puts back what {@link #saveConfig()} saved; files that did not exist then are deleted. */
    void restoreConfig(Map<Path, String> saved) {
        saved.forEach((file, text) -> {
            if (text == null) {
                delete(file);
            } else {
                write(file, text);
            }
        });
    }

    /** The last {@code lines} lines of the server log (from its last 64 KiB), for error messages. */
    String logTail(int lines) {
        Path log = logFile();
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(0, file.length() - 65_536);
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            return "last lines of " + log + ":\n" + CommandOutput.tail(new String(bytes, StandardCharsets.UTF_8), lines);
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PostgresException("could not read " + file + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}

package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The OS user that runs server binaries. initdb and postgres refuse to run as root, and builds and
 * CI run as root, so then everything runs as Debian's {@code postgres} user through {@code runuser};
 * otherwise (a developer machine) binaries run directly as the JVM's user.
 */
final class ServerUser {

    private static final String POSTGRES = "postgres";

    private final String runAs; // null: run directly
    private final UserPrincipal owner;
    private final GroupPrincipal group;

    private ServerUser(String runAs, UserPrincipal owner, GroupPrincipal group) {
        this.runAs = runAs;
        this.owner = owner;
        this.group = group;
    }

    /** The JVM's own user: no wrapping, no chown. */
    static ServerUser direct() {
        return new ServerUser(null, null, null);
    }

    /** {@code postgres} when this JVM is root, else the JVM's own user. */
    static ServerUser forPostgres() {
        if (!jvmIsRoot()) {
            return direct();
        }
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            return new ServerUser(POSTGRES, lookup.lookupPrincipalByName(POSTGRES), lookup.lookupPrincipalByGroupName(POSTGRES));
        } catch (IOException e) {
            throw new IllegalStateException("running as root, so PostgreSQL must run as the OS user 'postgres',"
                    + " which does not exist; install the Debian package postgresql-15", e);
        }
    }

    static boolean jvmIsRoot() {
        try {
            // /proc/self resolves to this process's directory, which is owned by its effective uid.
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    boolean isSwitching() {
        return runAs != null;
    }

    /** {@code command} as it must be run to execute as this user. */
    List<String> command(List<String> command) {
        if (runAs == null) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", runAs, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** The same wrapping for a line of the reaper's shell script; {@code command} is already quoted. */
    String shellCommand(String command) {
        return runAs == null ? command : "runuser -u " + runAs + " -- " + command;
    }

    /** Hands {@code path} to this user, so a server running as it can write there. */
    void own(Path path) {
        if (owner == null) {
            return;
        }
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(owner);
            view.setGroup(group);
        } catch (IOException e) {
            throw new UncheckedIOException("could not chown " + path + " to " + runAs, e);
        }
    }

    /** Whether this user can reach entries of {@code dir}: every ancestor must let "others" search it. */
    boolean canTraverse(Path dir) {
        if (runAs == null) {
            return true;
        }
        try {
            for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return runAs == null ? "the JVM's user" : runAs;
    }
}

package io.pgwarden.agent.postgres;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS user PostgreSQL runs as. initdb and postgres refuse to run as root, so an agent running as
 * root runs every PostgreSQL binary through {@code runuser -u <user> --} and hands the files it
 * writes to that user; an agent running as anyone else runs them directly, as itself.
 */
final class OsUser {

    private final String name; // null: the JVM's own user
    private final UserPrincipal owner;
    private final GroupPrincipal group;

    private OsUser(String name, UserPrincipal owner, GroupPrincipal group) {
        this.name = name;
        this.owner = owner;
        this.group = group;
    }

    /** {@code configured} when this JVM runs as root, else the JVM's own user. */
    static OsUser forAgent(String configured) {
        return jvmIsRoot() ? switchingTo(configured) : self();
    }

    /** Runs commands as the JVM's own user, owns nothing. */
    static OsUser self() {
        return new OsUser(null, null, null);
    }

    /** Runs commands as {@code user} through runuser and hands files to it (only root may). */
    static OsUser switchingTo(String user) {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            GroupPrincipal group = groupOf(user, lookup);
            return new OsUser(user, lookup.lookupPrincipalByName(user), group);
        } catch (IOException e) {
            throw new PostgresException("the agent runs as root, so PostgreSQL must run as the OS user '" + user
                    + "' (postgresql.os_user), which does not exist", e);
        }
    }

    static boolean jvmIsRoot() {
        try {
            // /proc/self belongs to this process's effective uid.
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The user's primary group: a group of the same name where there is one (Debian's postgres), else its own. */
    private static GroupPrincipal groupOf(String user, UserPrincipalLookupService lookup) {
        try {
            return lookup.lookupPrincipalByGroupName(user);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code command} wrapped so that it runs as this user. */
    List<String> command(List<String> command) {
        if (name == null) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", name, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands {@code path} to this user (no-op when not switching) and sets its mode, e.g. {@code rwx------}. */
    void own(Path path, String mode) {
        try {
            if (owner != null) {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
                view.setOwner(owner);
                if (group != null) {
                    view.setGroup(group);
                }
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new PostgresException("could not hand " + path + " to " + this + " with mode " + mode + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return name == null ? "the agent's own user" : "OS user '" + name + "'";
    }
}

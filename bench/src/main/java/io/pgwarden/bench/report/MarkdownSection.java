package io.pgwarden.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * A generated part of a Markdown document, kept between {@code <!-- name:start -->} and
 * {@code <!-- name:end -->} so that a re-run replaces it and leaves the hand-written text around it alone.
 */
public final class MarkdownSection {

    private final String name;

    /** @param name e.g. {@code throughput} for the markers {@code <!-- throughput:start -->} and {@code <!-- throughput:end -->} */
    public MarkdownSection(String name) {
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("section name must be letters, digits, '-' or '_': " + name);
        }
        this.name = name;
    }

    public String startMarker() {
        return "<!-- " + name + ":start -->";
    }

    public String endMarker() {
        return "<!-- " + name + ":end -->";
    }

    /**
     * The document with the section's content replaced by {@code body}; if the document has no such
     * section it is appended at the end.
     *
     * @throws IllegalArgumentException if the markers are unpaired, out of order or repeated: the
     *                                  document is not changed rather than guessed at
     */
    public String replace(String document, String body) {
        Objects.requireNonNull(document, "document");
        String block = startMarker() + "\n" + (body.endsWith("\n") || body.isEmpty() ? body : body + "\n") + endMarker();
        int start = document.indexOf(startMarker());
        int end = document.indexOf(endMarker());
        if (start < 0 && end < 0) {
            if (document.isEmpty()) {
                return block + "\n";
            }
            String separator = document.endsWith("\n\n") ? "" : document.endsWith("\n") ? "\n" : "\n\n";
            return document + separator + block + "\n";
        }
        if (start < 0 || end < 0) {
            throw new IllegalArgumentException("found " + (start < 0 ? endMarker() : startMarker()) + " without "
                    + (start < 0 ? startMarker() : endMarker()));
        }
        if (end < start) {
            throw new IllegalArgumentException(endMarker() + " comes before " + startMarker());
        }
        if (document.indexOf(startMarker(), start + 1) >= 0 || document.indexOf(endMarker(), end + 1) >= 0) {
            throw new IllegalArgumentException("section " + name + " appears more than once");
        }
        return document.substring(0, start) + block + document.substring(end + endMarker().length());
    }

    /**
     * Replaces the section in {@code file}, creating the file (with {@code title} as its heading) if missing.
     * The new content is written to a temporary file next to it and moved over it; the file keeps its
     * permissions (a new one gets rw-r--r--), not the temporary file's owner-only ones.
     */
    public void replaceIn(Path file, String title, String body) throws IOException {
        String document = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# " + title + "\n";
        String updated = replace(document, body);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temp, updated, StandardCharsets.UTF_8);
            keepPermissions(file, temp);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void keepPermissions(Path file, Path temp) throws IOException {
        try {
            Files.setPosixFilePermissions(temp, Files.exists(file) ? Files.getPosixFilePermissions(file)
                    : PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to keep.
        }
    }
}

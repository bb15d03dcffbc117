package io.pgwarden.bench.failover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Keeping a run's logs after its cluster is gone. */
final class LogFiles {

    private static final Logger log = LoggerFactory.getLogger(LogFiles.class);

    private LogFiles() {
    }

    /** Copies {@code from} to {@code to}; a warning, not a failure, if it cannot. */
    static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("Could not keep {}: {}", from, e.toString());
        }
    }
}

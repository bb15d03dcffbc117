package io.pgwarden.router.hostile;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Watches the router for the failures a hostile client must never cause, by what the code logs
 * when they happen: Netty's leak reports ("LEAK: ... release() was not called"), an exception that
 * reached the end of a pipeline or escaped a listener or task (Netty logs those with the
 * exception attached), and pgwarden's own "failed" lines for unexpected exceptions in a session
 * or a server connection. While it is open, every buffer is tracked (PARANOID), so a leak is
 * reported as soon as the collector finds it.
 */
final class HandlerFailureWatch implements AutoCloseable {

    private static final String LEAK_LOGGER = "io.netty.util.ResourceLeakDetector";

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger leakLogger = (Logger) LoggerFactory.getLogger(LEAK_LOGGER);
    private final Level leakLoggerLevel;
    /** Loggers with one INFO line per refused client or lost connection: right in production, a flood here. */
    private final List<Logger> perClientLoggers = List.of(
            (Logger) LoggerFactory.getLogger("io.pgwarden.router.session"),
            (Logger) LoggerFactory.getLogger("io.pgwarden.router.tls.ClientTlsHandler"),
            (Logger) LoggerFactory.getLogger("io.pgwarden.pool.protocol.codec.StartupDecoder"),
            (Logger) LoggerFactory.getLogger("io.pgwarden.pool.server.ServerHandler"));
    private final List<Level> perClientLevels = new ArrayList<>();
    private final ResourceLeakDetector.Level leakLevel;
    private final Capture capture = new Capture();

    private HandlerFailureWatch() {
        leakLevel = ResourceLeakDetector.getLevel();
        leakLoggerLevel = leakLogger.getLevel();
        perClientLoggers.forEach(logger -> perClientLevels.add(logger.getLevel()));
    }

    /** Starts watching; the leak detector is PARANOID until {@link #close()}. */
    static HandlerFailureWatch start() {
        HandlerFailureWatch watch = new HandlerFailureWatch();
        watch.leakLogger.setLevel(Level.ERROR);
        watch.perClientLoggers.forEach(logger -> logger.setLevel(Level.WARN));
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        watch.capture.setContext(watch.root.getLoggerContext());
        watch.capture.start();
        watch.root.addAppender(watch.capture);
        return watch;
    }

    /**
     * Lets the leak detector report what the collector found: leaked buffers are noticed only
     * once collected, and reported on a later allocation.
     */
    void collectLeaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
    }

    /** Every failure seen so far, one line each. */
    List<String> failures() {
        synchronized (capture.failures) {
            return List.copyOf(capture.failures);
        }
    }

    @Override
    public void close() {
        root.detachAppender(capture);
        capture.stop();
        ResourceLeakDetector.setLevel(leakLevel);
        leakLogger.setLevel(leakLoggerLevel);
        for (int i = 0; i < perClientLoggers.size(); i++) {
            perClientLoggers.get(i).setLevel(perClientLevels.get(i));
        }
    }

    /** Keeps WARN and ERROR events from Netty and pgwarden that mean a handler failed. */
    private static final class Capture extends AppenderBase<ILoggingEvent> {

        private final List<String> failures = new ArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
                return;
            }
            String logger = event.getLoggerName();
            if (!logger.startsWith("io.netty") && !logger.startsWith("io.pgwarden")) {
                return;
            }
            String message = event.getFormattedMessage();
            boolean failure = logger.equals(LEAK_LOGGER)
                    || event.getThrowableProxy() != null
                    // ClientSession (at ERROR, a decoder's wrapped exception included) and ServerHandler
                    // name an unexpected exception this way.
                    || message.contains(" failed: ") || message.contains(" failed, closing it: ");
            if (failure) {
                String cause = event.getThrowableProxy() == null ? ""
                        : " [" + event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage() + "]";
                synchronized (failures) {
                    if (failures.size() < 100) {
                        failures.add(event.getLevel() + " " + logger + ": " + firstLines(message) + cause);
                    }
                }
            }
        }

        private static String firstLines(String message) {
            return message.length() <= 2000 ? message : message.substring(0, 2000) + "...";
        }
    }
}

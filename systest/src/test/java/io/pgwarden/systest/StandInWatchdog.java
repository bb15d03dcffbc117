package io.pgwarden.systest;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a kernel watchdog (none exists on these machines): a FIFO the agent writes to as it
 * would to /dev/watchdog. Once armed (a first byte), it must be fed within {@code timeout}, or it
 * "resets the node" by running {@code reset}; the magic close ({@code V}) disarms it.
 */
final class StandInWatchdog implements AutoCloseable {

    private final Path fifo;
    private final Duration timeout;
    private final Runnable reset;
    private final Thread reader;
    private final Thread timer;
    private volatile long lastFeedNanos;
    private volatile boolean armed;
    private volatile long firedAtNanos;
    private volatile boolean everArmed;
    private volatile boolean closed;

    StandInWatchdog(Path fifo, Duration timeout, Runnable reset) throws IOException, InterruptedException {
        this.fifo = fifo;
        this.timeout = timeout;
        this.reset = reset;
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + fifo + " failed");
        }
        reader = new Thread(this::read, "stand-in-watchdog-" + fifo.getFileName());
        reader.setDaemon(true);
        reader.start();
        timer = new Thread(this::watch, "stand-in-watchdog-timer-" + fifo.getFileName());
        timer.setDaemon(true);
        timer.start();
    }

    Path device() {
        return fifo;
    }

    boolean everArmed() {
        return everArmed;
    }

    boolean armed() {
        return armed;
    }

    /** When it fired, set once the reset is done; 0 before. */
    long firedAtNanos() {
        return firedAtNanos;
    }

    private void read() {
        while (!closed) {
            try (InputStream in = new FileInputStream(fifo.toFile())) { // blocks until the agent opens it
                int b;
                while ((b = in.read()) >= 0) {
                    if (b == 'V') {
                        armed = false;
                    } else {
                        lastFeedNanos = System.nanoTime();
                        armed = true;
                        everArmed = true;
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void watch() {
        while (!closed && firedAtNanos == 0) {
            if (armed && System.nanoTime() - lastFeedNanos > timeout.toNanos()) {
                long fired = System.nanoTime();
                reset.run();
                firedAtNanos = fired; // published once the node is down
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.interrupt();
        // Unblock a reader waiting for a writer by opening the FIFO for writing once.
        try (var out = new java.io.FileOutputStream(fifo.toFile())) {
            out.flush();
        } catch (IOException ignored) {
            // nobody reads any more
        }
    }
}

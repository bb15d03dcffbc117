package io.pgwarden.agent.watchdog;

import io.pgwarden.agent.config.AgentConfig;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's watchdog: while this node leads, a Linux watchdog device is fed, and only while the
 * leader lease is valid, so an agent that hangs (or whose lease runs out) gets its node reset by the
 * kernel before anyone else can be elected. Armed when the node takes the key, disarmed with the magic
 * close ({@code V}) when it gives it up or stops cleanly.
 *
 * <p>The device's timeout is the driver's (e.g. {@code softdog soft_margin}); setting it takes an
 * ioctl, which the JVM cannot make, so it is checked instead where sysfs shows it and must not exceed
 * {@code ttl - safety_margin}.
 */
public final class Watchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final byte[] KEEPALIVE = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_CLOSE = "V".getBytes(StandardCharsets.US_ASCII);

    public enum Mode { OFF, AUTOMATIC, REQUIRED }

    private final Mode mode;
    private final Path device;
    private final int safetyMargin;
    private FileOutputStream out;

    public Watchdog(AgentConfig.Watchdog config) {
        this.mode = Mode.valueOf(config.mode().toUpperCase(java.util.Locale.ROOT));
        this.device = config.device();
        this.safetyMargin = config.safetyMargin();
    }

    public Mode mode() {
        return mode;
    }

    /**
     * The device is fed only while less than this has passed since the last renewal. With a device
     * timeout of at most {@code ttl - safety_margin}, a hang right after the last feed resets the node
     * by {@code renewal + safety_margin + (ttl - safety_margin) = renewal + ttl}: before the key can expire.
     */
    public Duration feedDeadline(Duration ttl) {
        return Duration.ofSeconds(Math.min(safetyMargin, ttl.toSeconds()));
    }

    /**
     * Opens the device before this node takes the key. False when the mode is {@code required} and the
     * device cannot be used: the node must not lead then. With {@code automatic} a missing device is logged.
     */
    public synchronized boolean arm(Duration ttl) {
        if (mode == Mode.OFF || out != null) {
            return true;
        }
        Optional<String> problem = timeoutProblem(ttl);
        if (problem.isEmpty()) {
            try {
                out = new FileOutputStream(device.toFile());
                out.write(KEEPALIVE);
                out.flush();
                LOG.info("Watchdog {} armed", device);
                return true;
            } catch (IOException e) {
                problem = Optional.of("cannot open " + device + ": " + e.getMessage());
                out = null;
            }
        }
        if (mode == Mode.REQUIRED) {
            LOG.error("Watchdog required but unusable ({}): this node will not lead", problem.get());
            return false;
        }
        LOG.warn("Watchdog not used ({})", problem.get());
        return true;
    }

    public synchronized boolean armed() {
        return out != null;
    }

    /** Feeds the device; the caller does so only while the lease is valid. */
    public synchronized void keepalive() {
        if (out == null) {
            return;
        }
        try {
            out.write(KEEPALIVE);
            out.flush();
        } catch (IOException e) {
            LOG.error("Watchdog {} keepalive failed: {}", device, e.getMessage());
        }
    }

    /** Disarms with the magic close: this node no longer leads. */
    public synchronized void disarm() {
        if (out == null) {
            return;
        }
        try {
            out.write(MAGIC_CLOSE);
            out.flush();
            out.close();
            LOG.info("Watchdog {} disarmed", device);
        } catch (IOException e) {
            LOG.warn("Watchdog {} disarm failed: {}", device, e.getMessage());
        } finally {
            out = null;
        }
    }

    @Override
    public void close() {
        disarm();
    }

    /** The kernel's timeout for the device, when sysfs shows it, must fire before the lease ends. */
    private Optional<String> timeoutProblem(Duration ttl) {
        Path name = device.getFileName();
        if (name == null || !device.startsWith("/dev")) {
            return Optional.empty(); // a stand-in device (tests): its timeout is its own business
        }
        Path sysfs = Path.of("/sys/class/watchdog", name.toString(), "timeout");
        try {
            long timeout = Long.parseLong(Files.readString(sysfs).strip());
            long limit = ttl.toSeconds() - safetyMargin;
            return timeout > limit
                    ? Optional.of("its timeout " + timeout + " s exceeds ttl - safety_margin = " + limit + " s")
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}

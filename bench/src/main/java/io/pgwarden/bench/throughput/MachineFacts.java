package io.pgwarden.bench.throughput;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.local.PostgresNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where and when a benchmark ran, for the report. Anything that cannot be found reads {@code unknown}. */
public record MachineFacts(String date, int cpus, String cpuModel, String memory, String os, String java,
                           String postgresVersion, String pgbenchVersion, String loadAverage) {

    private static final String UNKNOWN = "unknown";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern KILOBYTES = Pattern.compile("(\\d+) kB");

    static MachineFacts collect(PostgresNode server) {
        return collect(server.host(), server.port());
    }

    /** The facts, asking the PostgreSQL server at {@code host:port} (user and password postgres) for its version. */
    public static MachineFacts collect(String host, int port) {
        return new MachineFacts(
                ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                Runtime.getRuntime().availableProcessors(),
                procField("/proc/cpuinfo", "model name").orElse(UNKNOWN),
                procField("/proc/meminfo", "MemTotal").map(MachineFacts::gibibytes).orElse(UNKNOWN),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + Runtime.version(),
                serverVersion(host, port),
                readPgbenchVersion(),
                readLoadAverage());
    }

    /** The 1, 5 and 15 minute load averages right now, a hint of what else the machine was doing. */
    public static String readLoadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    private static String serverVersion(String host, int port) {
        CommandResult result = ClientTools.psql(TIMEOUT, host, port, PgbenchRunner.USER,
                PgbenchRunner.PASSWORD, PgbenchRunner.DATABASE, "-At", "-c", "SHOW server_version");
        return result.succeeded() ? result.stdout().strip() : UNKNOWN;
    }

    private static String readPgbenchVersion() {
        CommandResult result = Commands.run(TIMEOUT, ClientTools.BIN_DIR.resolve("pgbench").toString(), "--version");
        return result.succeeded() ? result.stdout().strip().replaceFirst("^pgbench \\(PostgreSQL\\) ", "") : UNKNOWN;
    }

    /** {@code 24684084 kB} as {@code 23.5 GiB}; anything else as it is. */
    static String gibibytes(String meminfo) {
        Matcher kb = KILOBYTES.matcher(meminfo);
        return kb.matches()
                ? String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(kb.group(1)) / (1024.0 * 1024.0))
                : meminfo;
    }

    private static Optional<String> procField(String file, String name) {
        try {
            return Files.readAllLines(Path.of(file)).stream()
                    .filter(line -> line.startsWith(name))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim().replaceAll("\\s+", " "))
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}

package io.pgwarden.router.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.PostgresCluster;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.DataSize;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.testkit.TestCertificates;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Throws at least a million spoiled and misframed messages at a running router, in the startup
 * phase (startup packets, SSL/GSS/cancel requests, the password exchange) and in the regular phase
 * (logged-in clients in session and in transaction mode), while a well-behaved JDBC client works
 * through the same router. Seeded: the seed is printed, and {@code -Dpgwarden.fuzz.seed=N}
 * replays a run.
 *
 * <p>Messages are counted by what was done to them: valid (sent as a client would), mutated
 * (framed right, content or type spoiled) and malformed (a length word that lies, a cut message,
 * noise); the million counts only the last two. Logged-in clients write long batches in one go
 * on one connection for as long as it lasts, so the run stays within {@link #BUDGET}.
 *
 * <p>What must hold, whatever the input: no error the router passes on or sends is XX000 (the
 * batches avoid the inputs PostgreSQL itself answers with XX000); every error carries a SQLSTATE;
 * a bad length word after the startup packet is answered with 08P01, one in a startup packet by a
 * close without an ErrorResponse (as PostgreSQL); a batch without a spoiled message is answered in
 * full; a client that stops sending is closed, never left hanging; no handler lets an exception
 * escape and no decoder fails for want of a check (either is logged at WARN or ERROR), and no
 * buffer leaks (Netty's PARANOID leak detector is on, see {@link HandlerFailureWatch}); the good
 * client never sees an error; and the router still serves afterwards.
 */
class HostileInputFuzzIT {

    private static final long SEED = Long.getLong("pgwarden.fuzz.seed", System.nanoTime());
    /** Mutated and malformed messages to send, at least. */
    private static final long TARGET_HOSTILE = Long.getLong("pgwarden.fuzz.frames", 1_000_000);
    /** Connections for startup-phase packets: each costs a connection, so they are a small share. */
    private static final long STARTUP_CONNECTIONS = Long.getLong("pgwarden.fuzz.startupConnections", 3_000);
    /** Startup-phase connections made even when the regular phase reaches the target first. */
    private static final long MIN_STARTUP_CONNECTIONS = 500;
    /** Ends the run if the target is not reached by then; the count assertion then fails. */
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("pgwarden.fuzz.seconds", 50));
    private static final double SPOIL_RATE = 0.5;
    private static final double LAST_RATE = 0.15;
    private static final int MAX_UNITS = 100;
    /** Spoiled messages in a batch's storm, at most (see {@link SessionBatches}). */
    private static final int MAX_STORM = 8_000;
    private static final int MAX_MESSAGE = 256 * 1024;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final int MAX_REPLIES = 100_000;
    private static final Pattern SQLSTATE = Pattern.compile("[0-9A-Z]{5}");

    private static final String SESSION_USER = "fuzz_session";
    private static final String TRANSACTION_USER = "fuzz_tx";
    private static final String SCRAM_USER = "fuzz_scram";
    private static final String MD5_USER = "fuzz_md5";
    private static final String PASSWORD = "fuzz-pw";

    private static HandlerFailureWatch watch;
    private static RouterFixture fixture;
    private static TestCertificates certificates;
    private static int functionOid;

    private final LongAdder valid = new LongAdder();
    private final LongAdder mutated = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder startupHostile = new LongAdder();
    private final LongAdder stormMessages = new LongAdder();
    private final LongAdder startupConnections = new LongAdder();
    private final LongAdder batchesAnswered = new LongAdder();
    private final LongAdder batchesEnded = new LongAdder();
    private final LongAdder startupErrorsOwed = new LongAdder();
    private final LongAdder session08P01Owed = new LongAdder();
    private final AtomicLong deadline = new AtomicLong();

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        System.out.println("HostileInputFuzzIT seed " + SEED + " (replay with -Dpgwarden.fuzz.seed=" + SEED + ")");
        watch = HandlerFailureWatch.start();
        certificates = TestCertificates.create();
        // A million protocol errors would otherwise each write a log line or two in PostgreSQL.
        PostgresCluster.Options options = PostgresCluster.Options.defaults()
                .withSetting("log_min_messages", "panic")
                .withSetting("log_min_error_statement", "panic");
        fixture = RouterFixture.start(options, cfg -> {
            addUsers(cfg.auth());
            return new RouterConfig(cfg.listen(), cfg.topology(),
                    new RouterConfig.Auth(cfg.auth().file(), List.of(
                            new RouterConfig.HbaEntry("all", SESSION_USER, "all", "trust"),
                            new RouterConfig.HbaEntry("all", TRANSACTION_USER, "all", "trust"),
                            new RouterConfig.HbaEntry("all", MD5_USER, "all", "md5"),
                            new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                    new RouterConfig.Pool("session", null, null, null, null, null, null, null,
                            List.of(new RouterConfig.PoolOverride("all", TRANSACTION_USER, "transaction"))),
                    new RouterConfig.Limits(null, null, new DataSize(MAX_MESSAGE), Duration.ofSeconds(10)),
                    cfg.routing(), cfg.server(), cfg.dcs(), cfg.admin(),
                    // TLS on the replica port, for junk sent where a TLS handshake should be.
                    new RouterConfig.Tls("disable", null, "allow", certificates.serverCert(), certificates.serverKey(), null));
        });
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            for (String user : List.of(SESSION_USER, TRANSACTION_USER, SCRAM_USER, MD5_USER)) {
                s.execute("create role " + user + " login password '" + PASSWORD + "'");
            }
            s.execute("create unlogged table fuzz_copy (t text)");
            s.execute("grant insert on fuzz_copy to public");
            s.execute("create table good_client (id int primary key)");
            try (ResultSet rs = s.executeQuery("select 'int4abs'::regproc::oid::int")) {
                rs.next();
                functionOid = rs.getInt(1);
            }
        }
    }

    private static void addUsers(RouterConfig.Auth auth) {
        try {
            for (String user : List.of(SESSION_USER, TRANSACTION_USER, SCRAM_USER, MD5_USER)) {
                Files.writeString(auth.file(), UserList.entry(user, PASSWORD), StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (certificates != null) {
            certificates.close();
        }
        if (watch != null) {
            watch.close();
        }
    }

    @Test
    @Timeout(300)
    void routerSurvivesAMillionHostileFrames() throws Exception {
        RouterMetrics metrics = fixture.router().metrics();
        double startupErrorsBefore = metrics.protocolErrors(ProtocolPhase.STARTUP);
        double sessionErrorsBefore = metrics.protocolErrors(ProtocolPhase.SESSION);
        deadline.set(System.nanoTime() + BUDGET.toNanos());

        GoodClient good = new GoodClient();
        ExecutorService threads = Executors.newFixedThreadPool(7);
        List<Future<?>> workers = new ArrayList<>();
        try {
            Future<Integer> goodRun = threads.submit(good::run);
            await().atMost(Duration.ofSeconds(20)).until(() -> good.committed.get() > 0 || goodRun.isDone());
            long start = System.nanoTime();
            workers.add(threads.submit(() -> sessionWorker(1, SESSION_USER)));
            workers.add(threads.submit(() -> sessionWorker(2, SESSION_USER)));
            workers.add(threads.submit(() -> sessionWorker(3, TRANSACTION_USER)));
            workers.add(threads.submit(() -> sessionWorker(4, TRANSACTION_USER)));
            workers.add(threads.submit(() -> startupWorker(5)));
            workers.add(threads.submit(() -> startupWorker(6)));
            List<String> failures = new ArrayList<>();
            for (Future<?> worker : workers) {
                try {
                    worker.get(BUDGET.toSeconds() + 60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(String.valueOf(e.getCause()));
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            good.stop = true;
            int committed = goodRun.get(60, TimeUnit.SECONDS);
            System.out.printf("HostileInputFuzzIT seed %d: %d valid, %d mutated, %d malformed messages in %.1f s"
                            + " (%d of the mutated in storms PostgreSQL skips to the next Sync; %d mutated or malformed"
                            + " in the startup phase, on %d connections);"
                            + " %d batches answered in full, %d ended by the router; good client committed %d%n",
                    SEED, valid.sum(), mutated.sum(), malformed.sum(), took.toMillis() / 1000.0, stormMessages.sum(),
                    startupHostile.sum(), startupConnections.sum(), batchesAnswered.sum(), batchesEnded.sum(), committed);

            assertThat(failures).as("fuzz workers (seed %d)", SEED).isEmpty();
            assertThat(mutated.sum() + malformed.sum()).as("mutated and malformed messages written (seed %d)", SEED)
                    .isGreaterThanOrEqualTo(TARGET_HOSTILE);
            assertThat(malformed.sum()).as("malformed messages").isPositive();
            assertThat(startupHostile.sum()).as("mutated and malformed startup packets").isPositive();
            assertThat(good.errors).as("good client errors").isEmpty();
            assertThat(committed).isPositive();
            try (Connection c = fixture.connectDirect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from good_client")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(committed);
            }
        } finally {
            good.stop = true;
            threads.shutdownNow();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }

        // The router is still up and serving, and every hostile client is gone from it.
        try (Connection c = fixture.connect(fixture.primaryPort()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 42")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fixture.router().clientCount()).isZero());

        assertThat(metrics.protocolErrors(ProtocolPhase.STARTUP) - startupErrorsBefore)
                .as("startup protocol errors counted").isPositive().isGreaterThanOrEqualTo(startupErrorsOwed.sum());
        assertThat(metrics.protocolErrors(ProtocolPhase.SESSION) - sessionErrorsBefore)
                .as("session protocol errors counted").isPositive().isGreaterThanOrEqualTo(session08P01Owed.sum());
        assertThat(metrics.scrape()).contains("pgwarden_protocol_errors_total{phase=\"startup\"}",
                "pgwarden_protocol_errors_total{phase=\"session\"}");

        watch.collectLeaks();
        assertThat(watch.failures()).as("leaks and exceptions that escaped a handler (seed %d)", SEED).isEmpty();
    }

    // ---- the regular phase -------------------------------------------------------------------------

    private boolean finished() {
        return mutated.sum() + malformed.sum() >= TARGET_HOSTILE || System.nanoTime() - deadline.get() > 0;
    }

    private boolean startupFinished() {
        return finished() && startupConnections.sum() >= MIN_STARTUP_CONNECTIONS || System.nanoTime() - deadline.get() > 0;
    }

    private void count(SessionBatches.Counts counts) {
        valid.add(counts.valid());
        mutated.add(counts.mutated());
        malformed.add(counts.malformed());
    }

    private void count(StartupPackets.Kind kind) {
        switch (kind) {
            case VALID -> valid.increment();
            case MUTATED -> {
                mutated.increment();
                startupHostile.increment();
            }
            case MALFORMED -> {
                malformed.increment();
                startupHostile.increment();
            }
        }
    }

    /** Logs in, then sends batches until the router closes the connection; again, until done. */
    private Void sessionWorker(int index, String user) throws IOException {
        Random random = new Random(SEED * 31 + index);
        SessionBatches batches = new SessionBatches(random, MAX_MESSAGE, functionOid, MAX_UNITS);
        boolean transaction = user.equals(TRANSACTION_USER);
        long marker = index * 1_000_000_000L;
        while (!finished()) {
            try (RawConnection connection = RawConnection.open(fixture.primaryPort(), READ_TIMEOUT_MILLIS)) {
                login(connection, user);
                boolean open = true;
                while (open && !finished()) {
                    SessionBatches.Batch batch = batches.next(++marker, SPOIL_RATE, LAST_RATE, transaction,
                            random.nextInt(MAX_STORM + 1));
                    String context = "worker " + index + " (" + user + "), batch " + marker + " " + batch.spoiled()
                            + ", seed " + SEED;
                    if (!connection.write(batch.bytes())) {
                        throw new AssertionError("router closed the connection after a completed batch: " + context);
                    }
                    count(batch.counts());
                    stormMessages.add(batch.storm());
                    open = checkReplies(connection, batch, context);
                    (open ? batchesAnswered : batchesEnded).increment();
                }
            }
        }
        return null;
    }

    private void login(RawConnection connection, String user) throws IOException {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", "postgres");
        connection.write(StartupPackets.startupMessage(StartupPackets.PROTOCOL_3_0, parameters));
        valid.increment();
        for (int i = 0; i < 100; i++) {
            RawConnection.Message m = connection.read();
            if (m.type() == 'E') {
                throw new AssertionError("login of " + user + " failed: " + m);
            }
            if (m.type() == 'Z') {
                return;
            }
        }
        throw new AssertionError("no ReadyForQuery after 100 messages at login");
    }

    /** Reads what the batch earned; returns whether the connection is still usable. */
    private boolean checkReplies(RawConnection connection, SessionBatches.Batch batch, String context) throws IOException {
        if (batch.marker() == null) {
            // The stream is out of step or refused: say no more and expect the router to close.
            connection.shutdownOutput();
            boolean saw08P01 = drain(connection, context);
            if (batch.framing() == FrameMutations.Framing.BAD_LENGTH && batch.spoiled().size() == 1) {
                session08P01Owed.increment();
                assertThat(saw08P01).as("08P01 for a bad length word: %s", context).isTrue();
            }
            return false;
        }
        boolean sawMarker = false;
        for (int i = 0; i < MAX_REPLIES; i++) {
            RawConnection.Message m;
            try {
                m = connection.read();
            } catch (RawConnection.Closed e) {
                assertThat(batch.clean()).as("a clean batch was not answered in full: %s", context).isFalse();
                assertThat(batch.mayClose()).as("a batch spoiled only in ways that keep the stream going was"
                        + " not answered in full: %s", context).isTrue();
                return false;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + READ_TIMEOUT_MILLIS + " ms: " + context);
            }
            checkError(m, context);
            if (batch.clean() && m.sqlState().filter(state -> state.startsWith("08")).isPresent()) {
                // SQL errors are expected (the templates include them); a connection error is not.
                throw new AssertionError("connection error for a clean batch: " + m + ": " + context);
            }
            if (m.type() == 'D' && isMarkerRow(m.payload(), batch.marker())) {
                sawMarker = true;
            } else if (m.type() == 'Z' && sawMarker) {
                return true;
            }
        }
        throw new AssertionError("more than " + MAX_REPLIES + " replies: " + context);
    }

    private static boolean isMarkerRow(byte[] payload, String marker) {
        byte[] expected = marker.getBytes(StandardCharsets.US_ASCII);
        // One column: int16 count, int32 length, value.
        return payload.length == 6 + expected.length && payload[1] == 1
                && java.util.Arrays.equals(payload, 6, payload.length, expected, 0, expected.length);
    }

    /** Reads to the end of the stream; returns whether an 08P01 came on the way. */
    private static boolean drain(RawConnection connection, String context) throws IOException {
        boolean saw08P01 = false;
        for (int i = 0; i < MAX_REPLIES; i++) {
            try {
                RawConnection.Message m = connection.read();
                checkError(m, context);
                saw08P01 |= m.sqlState().filter("08P01"::equals).isPresent();
            } catch (RawConnection.Closed e) {
                return saw08P01;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("not closed within " + READ_TIMEOUT_MILLIS + " ms of the client going quiet: " + context);
            }
        }
        throw new AssertionError("more than " + MAX_REPLIES + " replies while draining: " + context);
    }

    private static void checkError(RawConnection.Message m, String context) {
        if (m.type() != 'E') {
            return;
        }
        String sqlState = m.sqlState().orElse("");
        assertThat(sqlState).as("SQLSTATE of %s: %s", m, context).matches(SQLSTATE);
        // XX000 is a failed handler in the router; the batches never ask PostgreSQL for one either.
        assertThat(sqlState).as("internal error %s: %s", m, context).isNotEqualTo("XX000");
        assertThat(m.field('S')).as("severity of %s", m).isPresent();
    }

    // ---- the startup phase -------------------------------------------------------------------------

    private Void startupWorker(int index) throws IOException {
        Random random = new Random(SEED * 31 + index);
        StartupPackets packets = new StartupPackets(random, SESSION_USER, TRANSACTION_USER, SCRAM_USER, "ghost", "",
                "x".repeat(200));
        FrameMutations mutations = new FrameMutations(random);
        for (long attempt = 0; startupConnections.sum() < STARTUP_CONNECTIONS && !startupFinished(); attempt++) {
            startupConnections.increment();
            String context = "startup worker " + index + ", connection " + attempt + ", seed " + SEED;
            int kind = random.nextInt(20);
            if (kind == 19) {
                junkInsteadOfTls(random, mutations, packets, context);
                continue;
            }
            kind = kind / 2;
            try (RawConnection connection = RawConnection.open(fixture.primaryPort(), READ_TIMEOUT_MILLIS)) {
                if (kind < 3) {
                    connection.write(random.nextBoolean() ? StartupPackets.sslRequest() : StartupPackets.gssEncRequest());
                    count(StartupPackets.Kind.VALID);
                    assertThat(connection.readByte()).as("answer to an encryption request: %s", context).isEqualTo('N');
                }
                if (kind >= 7) {
                    passwordExchange(connection, random, mutations, context);
                } else {
                    startupPacket(connection, packets.next(), context);
                }
            }
        }
        return null;
    }

    /** SSLRequest on the TLS port, then no handshake but startup packets or noise in clear. */
    private void junkInsteadOfTls(Random random, FrameMutations mutations, StartupPackets packets, String context)
            throws IOException {
        try (RawConnection connection = RawConnection.open(fixture.replicaPort(), READ_TIMEOUT_MILLIS)) {
            connection.write(StartupPackets.sslRequest());
            count(StartupPackets.Kind.VALID);
            assertThat(connection.readByte()).as("TLS accepted: %s", context).isEqualTo('S');
            // Whatever it is, it is not a TLS record where one is due.
            byte[] junk = random.nextBoolean() ? packets.next().bytes() : mutations.randomBytes(1 + random.nextInt(600));
            connection.write(junk);
            count(StartupPackets.Kind.MALFORMED);
            connection.shutdownOutput();
            // Whatever TLS alert comes back, the router must close.
            for (int i = 0; i < 100_000; i++) {
                try {
                    if (connection.readByte() < 0) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("not closed within " + READ_TIMEOUT_MILLIS + " ms of junk instead of TLS: "
                            + context);
                }
            }
            throw new AssertionError("endless reply to junk instead of TLS: " + context);
        }
    }

    private void startupPacket(RawConnection connection, StartupPackets.Packet packet, String context) throws IOException {
        context = context + ", " + packet.how();
        connection.write(packet.bytes());
        count(packet.kind());
        switch (StartupPackets.expectation(packet.bytes())) {
            case NO_ENCRYPTION -> {
                assertThat(connection.readByte()).as("answer to an encryption request: %s", context).isEqualTo('N');
                connection.shutdownOutput();
                assertThat(connection.readByte()).as("end of stream: %s", context).isEqualTo(-1);
            }
            case CLOSED_SILENTLY -> {
                // As PostgreSQL: a communication error, closed without an ErrorResponse (and counted).
                RawConnection.Message first = firstAnswer(connection, context);
                assertThat(first).as("answer to a bad length word: %s", context).isNull();
                startupErrorsOwed.increment();
            }
            case ANSWER -> {
                RawConnection.Message first = firstAnswer(connection, context);
                if (first != null) {
                    checkError(first, context);
                    if (first.sqlState().filter("08P01"::equals).isPresent()) {
                        startupErrorsOwed.increment();
                    }
                    connection.shutdownOutput();
                    drain(connection, context);
                }
            }
            case INCOMPLETE -> {
                connection.shutdownOutput();
                drain(connection, context);
            }
        }
    }

    /** The router's first message, or null if it closed without one. */
    private static RawConnection.Message firstAnswer(RawConnection connection, String context) throws IOException {
        try {
            return connection.read();
        } catch (RawConnection.Closed e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within " + READ_TIMEOUT_MILLIS + " ms: " + context);
        }
    }

    /**
     * A valid StartupMessage for a user who must prove a password, then a spoiled, misframed or
     * valid-but-wrong answer to the router's SCRAM or md5 request.
     */
    private void passwordExchange(RawConnection connection, Random random, FrameMutations mutations, String context)
            throws IOException {
        String[] users = {SCRAM_USER, MD5_USER, "ghost"};
        String user = users[random.nextInt(users.length)];
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", "postgres");
        connection.write(StartupPackets.startupMessage(StartupPackets.PROTOCOL_3_0, parameters));
        count(StartupPackets.Kind.VALID);
        RawConnection.Message request = firstAnswer(connection, context);
        assertThat(request).as("authentication request for %s: %s", user, context).isNotNull();
        assertThat(request.type()).as("authentication request for %s: %s", user, context).isEqualTo('R');
        int code = StartupPackets.intAt(request.payload(), 0);
        Frame answer;
        if (code == 10) {
            byte[] first = ("n,,n=,r=" + Base64.getEncoder().encodeToString(mutations.randomBytes(18)))
                    .getBytes(StandardCharsets.US_ASCII);
            answer = Frame.of('p', new Frame.Body().cstring("SCRAM-SHA-256").int32(first.length).bytes(first).toBytes());
        } else {
            assertThat(code).as("md5 request: %s", context).isEqualTo(5);
            answer = Frame.of('p', new Frame.Body().cstring("md5" + "0123456789abcdef".repeat(2)).toBytes());
        }
        int how = random.nextInt(3);
        if (how == 0) {
            FrameMutations.Misframed bad = mutations.misframed(answer, io.pgwarden.pool.protocol.codec.FrameDecoder.MAX_LOGIN_FRAME_LENGTH);
            context = context + ", password message " + bad.how();
            connection.write(bad.bytes());
            count(StartupPackets.Kind.MALFORMED);
            connection.shutdownOutput();
            boolean saw08P01 = drain(connection, context);
            if (bad.framing() == FrameMutations.Framing.BAD_LENGTH) {
                assertThat(saw08P01).as("08P01 for a bad length word: %s", context).isTrue();
                startupErrorsOwed.increment();
            }
            return;
        }
        byte[] bytes = how == 1 ? mutations.wellFramed(answer).bytes() : answer.encode();
        connection.write(bytes);
        count(how == 1 ? StartupPackets.Kind.MUTATED : StartupPackets.Kind.VALID);
        RawConnection.Message reply = firstAnswer(connection, context);
        if (reply != null && reply.type() == 'R' && StartupPackets.intAt(reply.payload(), 0) == 11 && how == 2) {
            // A valid client-first: answer the challenge with a proof that cannot be right, spoiled or not.
            String serverFirst = new String(reply.payload(), 4, reply.payload().length - 4, StandardCharsets.US_ASCII);
            String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
            Frame last = Frame.of('p', ("c=biws,r=" + nonce + ",p="
                    + Base64.getEncoder().encodeToString(mutations.randomBytes(32))).getBytes(StandardCharsets.US_ASCII));
            boolean spoil = random.nextBoolean();
            connection.write(spoil ? mutations.wellFramed(last).bytes() : last.encode());
            count(spoil ? StartupPackets.Kind.MUTATED : StartupPackets.Kind.VALID);
            reply = firstAnswer(connection, context);
            assertThat(reply).as("answer to a wrong proof: %s", context).isNotNull();
            assertThat(reply.type()).as("answer to a wrong proof: %s", context).isEqualTo('E');
        }
        if (reply != null) {
            checkError(reply, context);
            if (reply.sqlState().filter("08P01"::equals).isPresent()) {
                startupErrorsOwed.increment();
            }
        }
        connection.shutdownOutput();
        drain(connection, context);
    }

    // ---- the good client ---------------------------------------------------------------------------

    /** Small insert+select transactions through the router, counting each commit. */
    private static final class GoodClient {
        final AtomicLong committed = new AtomicLong();
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        volatile boolean stop;

        int run() {
            try (Connection c = fixture.connect(fixture.primaryPort());
                 PreparedStatement insert = c.prepareStatement("insert into good_client values (?)");
                 PreparedStatement count = c.prepareStatement("select count(*) from good_client")) {
                c.setAutoCommit(false);
                // Bounded by count as well as by the test's end.
                for (int i = 0; i < 1_000_000 && !stop; i++) {
                    insert.setInt(1, i);
                    insert.executeUpdate();
                    try (ResultSet rs = count.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(i + 1);
                    }
                    c.commit();
                    committed.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception | AssertionError e) {
                errors.add(e);
            }
            return (int) committed.get();
        }
    }
}

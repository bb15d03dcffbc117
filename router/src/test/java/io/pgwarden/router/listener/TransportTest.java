package io.pgwarden.router.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** listen.transport: what each choice gives on this system, and what auto says when it falls back. */
class TransportTest {

    @Test
    void everyConfigNameParsesAndNothingElse() {
        assertThat(TransportChoice.configNames()).containsExactly("auto", "io_uring", "epoll", "nio");
        for (TransportChoice choice : TransportChoice.values()) {
            assertThat(TransportChoice.parse(choice.configName())).isEqualTo(choice);
        }
        assertThatThrownBy(() -> TransportChoice.parse("iouring")).hasMessage(
                "must be one of [auto, io_uring, epoll, nio], got 'iouring'");
    }

    @Test
    void autoTakesIoUringWhereTheKernelAllowsItElseEpollElseNioAndSaysWhyInOneLine() {
        Logger logger = (Logger) LoggerFactory.getLogger(Transport.class);
        ListAppender<ILoggingEvent> capture = new ListAppender<>();
        capture.start();
        logger.addAppender(capture);
        Transport chosen;
        try {
            chosen = Transport.of(TransportChoice.AUTO);
        } finally {
            logger.detachAppender(capture);
        }
        String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
        assertThat(chosen.name()).isEqualTo(expected);
        if (IoUring.isAvailable()) {
            assertThat(capture.list).isEmpty();
        } else {
            assertThat(capture.list).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.INFO);
                assertThat(event.getFormattedMessage()).contains("io_uring is not available", "using " + expected);
            });
        }
    }

    @Test
    void aNamedNativeTransportIsUsedWhenAvailableAndRefusedOtherwise() {
        if (IoUring.isAvailable()) {
            assertThat(Transport.of(TransportChoice.IO_URING).name()).isEqualTo("io_uring");
        } else {
            assertThatThrownBy(() -> Transport.of(TransportChoice.IO_URING))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("io_uring is not available");
        }
        if (Epoll.isAvailable()) {
            assertThat(Transport.of(TransportChoice.EPOLL).name()).isEqualTo("epoll");
        } else {
            assertThatThrownBy(() -> Transport.of(TransportChoice.EPOLL))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("epoll is not available");
        }
        assertThat(Transport.of(TransportChoice.NIO).name()).isEqualTo("nio");
    }

    private static java.util.List<ILoggingEvent> logOf(Runnable action) {
        Logger logger = (Logger) LoggerFactory.getLogger(Transport.class);
        ListAppender<ILoggingEvent> capture = new ListAppender<>();
        capture.start();
        logger.addAppender(capture);
        try {
            action.run();
        } finally {
            logger.detachAppender(capture);
        }
        return capture.list;
    }

    @Test
    void withoutIoUringAutoFallsBackToEpollWithOneLineSayingWhy() {
        Transport.NativeSupport noUring = new Transport.NativeSupport(false,
                new UnsupportedOperationException("io_uring_setup: Operation not permitted"), true, null);
        Transport[] chosen = new Transport[1];
        java.util.List<ILoggingEvent> log = logOf(() -> chosen[0] = Transport.of(TransportChoice.AUTO, noUring));
        assertThat(chosen[0].name()).isEqualTo("epoll");
        assertThat(log).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "listen.transport auto: io_uring is not available (io_uring_setup: Operation not permitted); using epoll");
        assertThatThrownBy(() -> Transport.of(TransportChoice.IO_URING, noUring))
                .hasMessage("io_uring is not available on this system: io_uring_setup: Operation not permitted"
                        + " (auto would fall back)");
    }

    @Test
    void withNeitherNativeTransportAutoFallsBackToNio() {
        Transport.NativeSupport none = new Transport.NativeSupport(false, new IllegalStateException("no native library"),
                false, new IllegalStateException("not Linux"));
        Transport[] chosen = new Transport[1];
        java.util.List<ILoggingEvent> log = logOf(() -> chosen[0] = Transport.of(TransportChoice.AUTO, none));
        assertThat(chosen[0].name()).isEqualTo("nio");
        assertThat(log).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "listen.transport auto: io_uring is not available (no native library), nor is epoll (not Linux); using nio");
        assertThatThrownBy(() -> Transport.of(TransportChoice.EPOLL, none)).hasMessageStartingWith("epoll is not available");
    }
}

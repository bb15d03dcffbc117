package io.pgwarden.launcher;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Keeps a foreground command alive until Ctrl-C or SIGTERM, then closes what it started, last first. */
final class ForegroundProcess {

    private ForegroundProcess() {
    }

    static void awaitShutdown(AutoCloseable... resources) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            List<AutoCloseable> reversed = new java.util.ArrayList<>(List.of(resources));
            java.util.Collections.reverse(reversed);
            for (AutoCloseable resource : reversed) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("pgwarden: error while stopping: " + e.getMessage());
                }
            }
            stopped.countDown();
        }, "pgwarden-shutdown"));
        stopped.await();
    }
}

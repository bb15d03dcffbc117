package io.pgwarden.discovery.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.testkit.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScratchProbeIT {

    @Test
    void probe() throws Exception {
        try (TestCertificates certs = TestCertificates.create()) {
            EtcdServer etcd = EtcdServer.start(EtcdServer.Options.loopback().withTls(EtcdServer.Tls.requiringClientCerts(
                    certs.serverCert(), certs.serverKey(), certs.caCert(), certs.clientCert(), certs.clientKey())));
            try {
                System.out.println("URL " + etcd.clientUrl() + " get=" + etcd.get("/x"));
                etcd.enableAuth("rootpw");
                System.out.println("after auth get=" + etcd.get("/x"));
                List<String> hosts = List.of(etcd.clientUrl());
                try_("good", EtcdAccess.parse(hosts, null, certs.caCert(), certs.clientCert(), certs.clientKey(), "root", "rootpw"));
                try_("wrong pw", EtcdAccess.parse(hosts, null, certs.caCert(), certs.clientCert(), certs.clientKey(), "root", "bad"));
                try_("no user", EtcdAccess.parse(hosts, null, certs.caCert(), certs.clientCert(), certs.clientKey(), null, null));
                try_("wrong ca", EtcdAccess.parse(hosts, null, certs.otherCaCert(), certs.clientCert(), certs.clientKey(), "root", "rootpw"));
                try_("no client cert", EtcdAccess.parse(hosts, null, certs.caCert(), null, null, "root", "rootpw"));
                try_("plain to tls", EtcdAccess.parse(List.of(etcd.clientUrl().replace("https", "http")), null, null, null, null, "root", "rootpw"));
                try_("localhost name", EtcdAccess.parse(List.of(etcd.clientUrl().replace("127.0.0.1", "localhost")), null, certs.caCert(), certs.clientCert(), certs.clientKey(), "root", "rootpw"));
            } finally {
                etcd.close();
            }
            EtcdServer plain = EtcdServer.start();
            try {
                try_("tls to plain", EtcdAccess.parse(List.of(plain.clientUrl().replace("http", "https")), null, certs.caCert(), certs.clientCert(), certs.clientKey(), null, null));
                plain.enableAuth("pw");
                try_("plain auth wrong", EtcdAccess.parse(List.of(plain.clientUrl()), null, null, null, null, "root", "nope"));
                try_("plain auth none", EtcdAccess.parse(List.of(plain.clientUrl()), null, null, null, null, null, null));
            } finally {
                plain.close();
            }
        }
    }

    private static void try_(String what, EtcdAccess access) {
        long t0 = System.nanoTime();
        try (Client client = EtcdClients.create(access, Duration.ofSeconds(3))) {
            var r = client.getKVClient().get(ByteSequence.from("/x", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
            System.out.println("### " + what + ": OK count=" + r.getCount());
        } catch (Exception e) {
            System.out.println("### " + what + ": " + (System.nanoTime() - t0) / 1_000_000 + " ms: "
                    + EtcdFailures.explain(e, access.from("etcd.", "node1.yml"), Duration.ofSeconds(2)));
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (false) System.out.println("   " + t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }
}

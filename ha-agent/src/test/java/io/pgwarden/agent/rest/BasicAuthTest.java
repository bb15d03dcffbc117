package io.pgwarden.agent.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class BasicAuthTest {

    private final BasicAuth auth = new BasicAuth("admin", "s3cret:with colon");

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightUserAndPasswordGetIn() {
        assertThat(auth.refusal(basic("admin:s3cret:with colon"))).isEmpty();
        assertThat(auth.refusal(auth.header())).isEmpty();
        assertThat(auth.refusal("basic " + basic("admin:s3cret:with colon").substring(6))).isEmpty();
    }

    @Test
    void everythingElseIsRefusedWithPatronisWords() {
        assertThat(auth.refusal(null)).contains("no auth header received");
        assertThat(auth.refusal(basic("admin:wrong"))).contains("not authenticated");
        assertThat(auth.refusal(basic("other:s3cret:with colon"))).contains("not authenticated");
        assertThat(auth.refusal(basic("admin:s3cret:with colon "))).contains("not authenticated");
        assertThat(auth.refusal("Bearer abc")).contains("not authenticated");
        assertThat(auth.refusal("Basic !!!not-base64")).contains("not authenticated");
    }

    @Test
    void thePasswordStaysOutOfLogs() {
        assertThat(auth.toString()).doesNotContain("s3cret");
    }
}

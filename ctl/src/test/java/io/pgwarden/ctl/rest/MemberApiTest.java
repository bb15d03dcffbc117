package io.pgwarden.ctl.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemberApiTest {

    @Test
    void anEndpointReplacesTheStatusPageOfTheApiUrl() {
        assertThat(MemberApi.endpoint("http://127.0.0.1:8008/patroni", "switchover")).hasToString("http://127.0.0.1:8008/switchover");
        assertThat(MemberApi.endpoint("https://db1:8008/patroni/", "config")).hasToString("https://db1:8008/config");
        assertThat(MemberApi.endpoint("http://db1:8008", "restart")).hasToString("http://db1:8008/restart");
        assertThat(MemberApi.endpoint("http://db1:8008/x/patroni", "reload")).hasToString("http://db1:8008/x/reload");
    }
}

package io.pgwarden.router.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangeTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            // IPv4 CIDR blocks
            "10.0.0.0/8,        10.255.3.4,      true",
            "10.0.0.0/8,        11.0.0.1,        false",
            "192.168.1.0/24,    192.168.1.200,   true",
            "192.168.1.0/24,    192.168.2.1,     false",
            // prefixes that end inside a byte
            "172.16.0.0/12,     172.31.255.255,  true",
            "172.16.0.0/12,     172.32.0.0,      false",
            "172.16.0.0/12,     172.15.255.255,  false",
            "10.0.0.128/25,     10.0.0.128,      true",
            "10.0.0.128/25,     10.0.0.127,      false",
            // host bits in the network are ignored, as PostgreSQL does
            "10.1.2.3/8,        10.200.0.1,      true",
            // a single address
            "127.0.0.1,         127.0.0.1,       true",
            "127.0.0.1,         127.0.0.2,       false",
            "127.0.0.1/32,      127.0.0.1,       true",
            "0.0.0.0/0,         203.0.113.9,     true",
            "0.0.0.0/0,         ::1,             false",
            // IPv6
            "::1,               ::1,             true",
            "::1/128,           ::2,             false",
            "2001:db8::/32,     2001:db8:ffff::1, true",
            "2001:db8::/32,     2001:db9::1,     false",
            "fe80::/10,         febf::1,         true",
            "fe80::/10,         fec0::1,         false",
            "::/0,              2001:db8::1,     true",
            "::/0,              10.0.0.1,        false",
            "::1,               127.0.0.1,       false",
            // all
            "all,               10.0.0.1,        true",
            "all,               ::1,             true",
    })
    void matchesAddresses(String range, String address, boolean expected) throws UnknownHostException {
        assertThat(AddressRange.parse(range).contains(InetAddress.getByName(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/-1", "10.0.0.0/x",
            "10.0.0.0/", "1.2.3.4.5", "", "ALL"})
    void refusesWhatIsNotAnAddressOrBlock(String text) {
        assertThatThrownBy(() -> AddressRange.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }
}

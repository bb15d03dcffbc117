package io.pgwarden.router.auth;

import io.netty.util.NetUtil;

import java.net.InetAddress;

/** A CIDR block ({@code 10.0.0.0/8}, {@code ::1/128}), a single address, or {@code all}. */
public record AddressRange(byte[] network, int prefixLength) {

    public static final AddressRange ALL = new AddressRange(new byte[0], 0);

    public static AddressRange parse(String text) {
        if (text.equals("all")) {
            return ALL;
        }
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        // Only literal addresses: a host name would mean DNS lookups.
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) {
            throw new IllegalArgumentException("address must be 'all', an IP address or a CIDR block, got '" + text + "'");
        }
        int prefix;
        try {
            prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in '" + text + "'");
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length out of range in '" + text + "'");
        }
        return new AddressRange(bytes, prefix);
    }

    public boolean contains(InetAddress address) {
        if (this == ALL || network.length == 0) {
            return true;
        }
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
    }
}

#include "net/ip_config.hpp"

#include "kernel/string.hpp"
#include "net/net.hpp"

namespace net {
namespace {

bool word_is(const char* s, size_t len, const char* lit) {
    return kstreq_n(s, len, lit);
}

bool contiguous(uint32_t mask) {
    uint32_t inv = ~mask;
    return (inv & (inv + 1)) == 0;
}

uint32_t class_mask(uint32_t a) {
    if ((a >> 31) == 0) return 0xff000000u;
    if ((a >> 30) == 2) return 0xffff0000u;
    return 0xffffff00u;
}

}  // namespace

bool parse_ipv4_addr(const char* s, size_t len, uint32_t* out) {
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part != 0) {
            if (i >= len || s[i] != '.') return false;
            ++i;
        }
        uint32_t n = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            n = n * 10 + uint32_t(s[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 3 || n > 255) return false;
        v = (v << 8) | n;
    }
    if (i != len) return false;
    *out = v;
    return true;
}

IpConfigError parse_ip_config(const char* value, size_t len, IpConfig* out) {
    memset(out, 0, sizeof(*out));
    if (value == nullptr || len == 0) return IpConfigError::Empty;
    if (word_is(value, len, "off") || word_is(value, len, "none")) return IpConfigError::Ok;
    static const char* const kAuto[] = {"dhcp", "bootp", "rarp", "both", "on", "any"};
    for (const char* a : kAuto) {
        if (word_is(value, len, a)) return IpConfigError::Autoconf;
    }
    // Split into at most 10 fields on ':'.
    const char* field[10] = {};
    size_t flen[10] = {};
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; ++i) {
        if (i == len || value[i] == ':') {
            if (n == 10) return IpConfigError::TooManyFields;
            field[n] = value + start;
            flen[n] = i - start;
            ++n;
            start = i + 1;
        }
    }
    auto addr = [&](size_t k, uint32_t* dst) {
        if (k >= n || flen[k] == 0) return true;
        return parse_ipv4_addr(field[k], flen[k], dst);
    };
    if (!addr(0, &out->client) || !addr(1, &out->server) || !addr(2, &out->gateway) ||
        !addr(3, &out->netmask) || !addr(7, &out->dns[0]) || !addr(8, &out->dns[1]) ||
        !addr(9, &out->ntp)) {
        return IpConfigError::BadAddress;
    }
    if (n > 4) {
        if (flen[4] > 64) return IpConfigError::HostnameTooLong;
        memcpy(out->hostname, field[4], flen[4]);
    }
    if (n > 5) {
        if (flen[5] > 15) return IpConfigError::DeviceTooLong;
        memcpy(out->device, field[5], flen[5]);
    }
    if (n > 6 && flen[6] != 0) {
        const char* a = field[6];
        size_t l = flen[6];
        if (word_is(a, l, "off") || word_is(a, l, "none")) {
            // static
        } else {
            for (const char* w : kAuto) {
                if (word_is(a, l, w)) return IpConfigError::Autoconf;
            }
            return IpConfigError::BadAutoconf;
        }
    }
    if (out->client == 0) return IpConfigError::NoClientAddress;
    if (out->netmask == 0) out->netmask = class_mask(out->client);
    if (!contiguous(out->netmask)) return IpConfigError::BadNetmask;
    if (out->gateway != 0 && (out->gateway & out->netmask) != (out->client & out->netmask)) {
        return IpConfigError::BadGateway;
    }
    out->enabled = true;
    return IpConfigError::Ok;
}

const char* ip_config_error_text(IpConfigError e) {
    switch (e) {
        case IpConfigError::Ok:
            return "ok";
        case IpConfigError::Empty:
            return "ip=: empty value";
        case IpConfigError::BadAddress:
            return "ip=: an address field is not a dotted quad";
        case IpConfigError::NoClientAddress:
            return "ip=: static configuration needs <client-ip>";
        case IpConfigError::BadNetmask:
            return "ip=: the netmask is not contiguous";
        case IpConfigError::BadGateway:
            return "ip=: the gateway is not in the client's subnet";
        case IpConfigError::HostnameTooLong:
            return "ip=: hostname longer than 64 bytes";
        case IpConfigError::DeviceTooLong:
            return "ip=: device name longer than 15 bytes";
        case IpConfigError::Autoconf:
            return "ip=: dhcp/bootp/rarp autoconfiguration is not supported, use a static address";
        case IpConfigError::BadAutoconf:
            return "ip=: unknown <autoconf> (expected off or none)";
        case IpConfigError::TooManyFields:
            return "ip=: more than 10 fields";
    }
    return "ip=: invalid";
}

int apply_ip_config(Stack& s, const IpConfig& c) {
    if (!c.enabled) return 0;
    return stack_configure(s, c.device[0] != '\0' ? c.device : nullptr, c.client, c.netmask,
                           c.gateway);
}

}  // namespace net

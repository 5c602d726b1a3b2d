// Ethernet II framing: the parser of received frames (pure) and the header writer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/types.hpp"

namespace net {

inline constexpr uint32_t kEthHdrLen = 14;
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;

struct EthFrame {
    MacAddr dst;
    MacAddr src;
    uint16_t type;
    const uint8_t* payload;
    size_t payload_len;
};

enum class EthError : uint8_t { Ok, Truncated };

// A frame shorter than the header is refused; 802.1Q tags are not interpreted (the type is
// 0x8100 and the stack ignores it).
EthError parse_ether(const uint8_t* frame, size_t len, EthFrame* out);

void write_ether(uint8_t* out, const MacAddr& dst, const MacAddr& src, uint16_t type);

inline bool mac_is_broadcast(const MacAddr& m) {
    return (m.b[0] & m.b[1] & m.b[2] & m.b[3] & m.b[4] & m.b[5]) == 0xff;
}
inline bool mac_is_multicast(const MacAddr& m) {
    return (m.b[0] & 1) != 0;
}
inline bool mac_equal(const MacAddr& a, const uint8_t* b) {
    for (int i = 0; i < 6; ++i) {
        if (a.b[i] != b[i]) return false;
    }
    return true;
}
inline constexpr MacAddr kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

}  // namespace net

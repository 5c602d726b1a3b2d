#include "net/ether.hpp"

#include "kernel/string.hpp"

namespace net {

EthError parse_ether(const uint8_t* frame, size_t len, EthFrame* out) {
    if (frame == nullptr || len < kEthHdrLen) return EthError::Truncated;
    memcpy(out->dst.b, frame, 6);
    memcpy(out->src.b, frame + 6, 6);
    out->type = load16(frame + 12);
    out->payload = frame + kEthHdrLen;
    out->payload_len = len - kEthHdrLen;
    return EthError::Ok;
}

void write_ether(uint8_t* out, const MacAddr& dst, const MacAddr& src, uint16_t type) {
    memcpy(out, dst.b, 6);
    memcpy(out + 6, src.b, 6);
    store16(out + 12, type);
}

}  // namespace net

#include "devices/virtio_net_hdr.hpp"

#include <cstring>
#include <string>

namespace domus {

namespace {

uint16_t le16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}
Error bad(const std::string& message) {
    return make_error(Errc::invalid_argument, "transmit frame: " + message);
}

}  // namespace

NetHdr decode_net_hdr(std::span<const uint8_t, kNetHdrBytes> raw) {
    NetHdr h;
    h.flags = raw[0];
    h.gso_type = raw[1];
    h.hdr_len = le16(&raw[2]);
    h.gso_size = le16(&raw[4]);
    h.csum_start = le16(&raw[6]);
    h.csum_offset = le16(&raw[8]);
    h.num_buffers = le16(&raw[10]);
    return h;
}

void encode_net_hdr(const NetHdr& h, std::span<uint8_t, kNetHdrBytes> raw) {
    raw[0] = h.flags;
    raw[1] = h.gso_type;
    put16(&raw[2], h.hdr_len);
    put16(&raw[4], h.gso_size);
    put16(&raw[6], h.csum_start);
    put16(&raw[8], h.csum_offset);
    put16(&raw[10], h.num_buffers);
}

Result<NetHdr> check_tx_frame(const NetHdr& h, uint64_t frame_bytes, const TxOffloads& offloads) {
    if (frame_bytes < kEthHeaderBytes) {
        return bad(std::to_string(frame_bytes) + " bytes are shorter than an Ethernet header");
    }
    if (frame_bytes > kMaxNetFrame) {
        return bad(std::to_string(frame_bytes) + " bytes are more than " +
                   std::to_string(kMaxNetFrame));
    }
    if ((h.flags & ~kNetHdrNeedsCsum) != 0) {
        return bad("flags " + std::to_string(h.flags) + " (only NEEDS_CSUM, 1, may be sent)");
    }
    if (h.flags & kNetHdrNeedsCsum) {
        if (!offloads.csum) return bad("NEEDS_CSUM without the CSUM feature");
        if (uint64_t(h.csum_start) + h.csum_offset + 2 > frame_bytes) {
            return bad("checksum at " + std::to_string(h.csum_start) + "+" +
                       std::to_string(h.csum_offset) + " is outside the frame of " +
                       std::to_string(frame_bytes) + " bytes");
        }
    }
    const uint8_t gso = h.gso_type & static_cast<uint8_t>(~kGsoEcn);
    if (h.gso_type & kGsoEcn) return bad("GSO with ECN was not negotiated");
    if (gso != kGsoNone) {
        const bool allowed =
            (gso == kGsoTcpV4 && offloads.tso4) || (gso == kGsoTcpV6 && offloads.tso6);
        if (!allowed) return bad("gso_type " + std::to_string(gso) + " was not negotiated");
        if (!(h.flags & kNetHdrNeedsCsum)) return bad("a TSO frame without NEEDS_CSUM");
        if (h.gso_size == 0) return bad("gso_size 0");
        if (h.hdr_len > frame_bytes) {
            return bad("hdr_len " + std::to_string(h.hdr_len) + " exceeds the frame of " +
                       std::to_string(frame_bytes) + " bytes");
        }
    }
    NetHdr out = h;
    out.num_buffers = 0;
    return out;
}

}  // namespace domus

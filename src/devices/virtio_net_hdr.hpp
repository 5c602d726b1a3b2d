// virtio-net's per-frame header (struct virtio_net_hdr_v1, virtio 1.2 section 5.1.6) and the
// checks of a frame the driver hands over for sending: pure functions over guest input. A
// frame that fails is dropped and counted (a per-frame error, as a NIC drops a bad
// descriptor), not a broken queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.hpp"

namespace domus {

inline constexpr size_t kNetHdrBytes = 12;
inline constexpr size_t kEthHeaderBytes = 14;
// The largest frame either way: an IPv4 packet of 64 KiB plus an Ethernet header with a VLAN
// tag (what a TSO segment can be).
inline constexpr size_t kMaxNetFrame = 65535 + kEthHeaderBytes + 4;

inline constexpr uint8_t kNetHdrNeedsCsum = 1;
inline constexpr uint8_t kNetHdrDataValid = 2;
inline constexpr uint8_t kGsoNone = 0;
inline constexpr uint8_t kGsoTcpV4 = 1;
inline constexpr uint8_t kGsoUdp = 3;
inline constexpr uint8_t kGsoTcpV6 = 4;
inline constexpr uint8_t kGsoEcn = 0x80;

struct NetHdr {
    uint8_t flags = 0;
    uint8_t gso_type = kGsoNone;
    uint16_t hdr_len = 0;
    uint16_t gso_size = 0;
    uint16_t csum_start = 0;
    uint16_t csum_offset = 0;
    uint16_t num_buffers = 0;
    bool operator==(const NetHdr&) const = default;
};

NetHdr decode_net_hdr(std::span<const uint8_t, kNetHdrBytes> raw);
void encode_net_hdr(const NetHdr& h, std::span<uint8_t, kNetHdrBytes> raw);

// The transmit offloads the driver negotiated (the device's CSUM, HOST_TSO4, HOST_TSO6).
struct TxOffloads {
    bool csum = false;
    bool tso4 = false;
    bool tso6 = false;
};

// A frame of `frame_bytes` (after the header) the driver wants sent: its length, and a header
// that asks only for what was negotiated and points inside the frame. Returns the header to
// give the TAP (num_buffers cleared). The message names the bad field and value.
Result<NetHdr> check_tx_frame(const NetHdr& h, uint64_t frame_bytes, const TxOffloads& offloads);

}  // namespace domus

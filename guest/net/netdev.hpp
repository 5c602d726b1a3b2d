// The contract between a network device driver (dev/virtio_net.cpp) and the network stack
// (net/): frames go down through NetDeviceOps::transmit, come up through net::receive.
// Frames carry virtio-net's header so that checksum and segmentation offload cross the ring
// untouched: the stack may hand the device one TCP segment of up to 64 KiB with
// gso_type = kGsoTcpV4 and gso_size = the MSS (the host's TAP segments it), and the device may
// hand the stack such a segment (rx offload) whose checksum is then not computed
// (kHdrNeedsCsum) or already verified (kHdrDataValid).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace net {

// struct virtio_net_hdr_v1 (virtio 1.2, 5.1.6): 12 bytes in little-endian order.
struct NetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;      // bytes of Ethernet + IP + TCP headers (a hint)
    uint16_t gso_size;     // payload bytes per segment when gso_type != kGsoNone
    uint16_t csum_start;   // kHdrNeedsCsum: offset of the first byte the checksum covers
    uint16_t csum_offset;  // ... and where (from csum_start) the 16-bit sum is stored
    uint16_t num_buffers;  // rx with mergeable buffers; 0 on transmit
} __attribute__((packed));
static_assert(sizeof(NetHdr) == 12);

inline constexpr uint8_t kHdrNeedsCsum = 1;  // the checksum field holds the pseudo-header sum
inline constexpr uint8_t kHdrDataValid = 2;  // rx only: the checksum was verified
inline constexpr uint8_t kGsoNone = 0;
inline constexpr uint8_t kGsoTcpV4 = 1;
inline constexpr uint8_t kGsoUdp = 3;
inline constexpr uint8_t kGsoEcn = 0x80;

inline constexpr uint32_t kMaxGsoFrame = 65536 + 14;  // an IPv4 packet of 64 KiB + Ethernet

// Offloads a device offers the stack (NetDevice::offloads).
inline constexpr uint32_t kOffloadTxCsum = 1u << 0;  // may send kHdrNeedsCsum frames
inline constexpr uint32_t kOffloadTso4 = 1u << 1;    // may send kGsoTcpV4 frames (needs TxCsum)
inline constexpr uint32_t kOffloadRxCsum = 1u << 2;  // may receive kHdrNeedsCsum/DataValid
inline constexpr uint32_t kOffloadRxTso4 = 1u << 3;  // may receive kGsoTcpV4 frames

// One piece of a frame being transmitted (kernel virtual address).
struct NetSeg {
    const void* data;
    uint32_t len;
};

struct NetDevice;

struct NetDeviceOps {
    // Queues one frame: `hdr` plus the concatenation of `segs` (Ethernet header first, at most
    // kMaxGsoFrame bytes). The device copies or maps the bytes before returning; the caller
    // keeps ownership. 0, -EAGAIN when the device's queue is full (the driver calls
    // net::tx_space later), -EMSGSIZE for a frame the device cannot take, -EIO when the device
    // is dead. Called with the stack's lock held; never sleeps.
    int (*transmit)(NetDevice* dev, const NetHdr& hdr, const NetSeg* segs, uint32_t count);
};

struct NetDeviceStats {
    uint64_t rx_packets, rx_bytes, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_dropped;
};

struct NetDevice {
    const NetDeviceOps* ops;
    void* driver;   // the driver's
    char name[16];  // "eth0"
    uint8_t mac[6];
    uint16_t mtu;  // payload bytes of an Ethernet frame (1500)
    uint32_t offloads;
    NetDeviceStats stats;  // kept by the driver
    uint32_t index;        // ifindex (lo is 1)
};

// Driver -> stack entry points (net/stack.cpp). The driver calls them from its receive
// context (a kernel task, never an interrupt handler), without holding its own locks.
// A received frame: `hdr` as the device wrote it and the frame's bytes (Ethernet header first),
// valid only during the call.
void receive(NetDevice* dev, const NetHdr& hdr, const uint8_t* frame, size_t len);
// The device has room again after a transmit returned -EAGAIN.
void tx_space(NetDevice* dev);
// Registers a device (the stack configures it from `ip=` later); false when the table is full.
bool register_device(NetDevice* dev);

}  // namespace net

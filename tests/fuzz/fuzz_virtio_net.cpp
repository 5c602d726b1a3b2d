// libFuzzer target: the virtio-net back end (src/devices/virtio_net) as a hostile driver
// drives it. The first byte picks the offered features the driver accepts (checksum and TSO
// each way, EVENT_IDX, INDIRECT_DESC) and the queue size; then each queue's available index,
// eight descriptors and available entries (receive queue at 0x0/0x1000/0x2000, transmit queue
// at 0x3000/0x4000/0x5000), then headers and frames at 0x8000 that descriptors may point at. The device serves both
// queues against a real TAP device in a private network namespace (frames written to it go
// nowhere); ASan/UBSan watch every guest-controlled length and index. After serving, the
// device is either live or in DEVICE_NEEDS_RESET, and its used indices never run ahead of the
// available ones.
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "devices/virtio_net.hpp"

namespace {

using namespace domus;
using namespace domus::virtio;

constexpr uint64_t kRam = 256 * 1024;
constexpr uint64_t kRing[2][3] = {{0x0, 0x1000, 0x2000}, {0x3000, 0x4000, 0x5000}};

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::unique_ptr<VirtioNet> g_net;
GuestMemory* g_mem = nullptr;

void set(uint32_t offset, uint32_t value) {
    uint8_t b[4];
    memcpy(b, &value, 4);
    g_net->transport().write(offset, b);
}

uint32_t reg(uint32_t offset) {
    uint8_t b[4];
    g_net->transport().read(offset, b);
    uint32_t v;
    memcpy(&v, b, 4);
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (::unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "fuzz_virtio_net: needs root for a private network namespace\n");
        std::exit(1);
    }
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1";
    auto tap = Tap::open("fuzz0");
    if (!tap) {
        std::fprintf(stderr, "fuzz_virtio_net: %s\n", tap.error().message.c_str());
        std::exit(1);
    }
    auto net = VirtioNet::create(std::move(tap.value()), {0x00, 0x16, 0x3e, 0, 0, 1}, kRam, {});
    check(net.ok());
    g_net = std::move(net.value());
    auto m = GuestMemory::create(kRam);
    check(m.ok());
    g_mem = new GuestMemory(std::move(m.value()));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Per queue: the available index (2 bytes), 8 descriptors of 6 bytes (address / 16 in 16
    // bits: up to 1 MiB, past RAM too; length in 16 bits; flags; next) and 8 available ring
    // entries of one byte; then the frames, at kFrames.
    constexpr size_t kPerQueue = 2 + 8 * 6 + 8;
    constexpr uint64_t kFrames = 0x8000;
    if (size < 1 + 2 * kPerQueue) return 0;
    const uint8_t pick = data[0];
    const std::vector<uint8_t> zeros(kRam, 0);
    check(g_mem->write(0, zeros).ok());
    for (uint32_t q = 0; q < 2; ++q) {
        const uint8_t* in = data + 1 + q * kPerQueue;
        check(g_mem->write_obj<uint16_t>(kRing[q][1] + 2, uint16_t(in[0] | in[1] << 8)).ok());
        for (uint32_t i = 0; i < 8; ++i) {
            const uint8_t* d = in + 2 + i * 6;
            uint8_t desc[16] = {};
            const uint64_t addr = uint64_t(d[0] | d[1] << 8) << 4;
            const uint32_t len = uint32_t(d[2] | d[3] << 8);
            const uint16_t flags = d[4] & 7, next = d[5];
            memcpy(desc, &addr, 8);
            memcpy(desc + 8, &len, 4);
            memcpy(desc + 12, &flags, 2);
            memcpy(desc + 14, &next, 2);
            check(g_mem->write(kRing[q][0] + i * 16, desc).ok());
            check(g_mem->write_obj<uint16_t>(kRing[q][1] + 4 + 2 * i, in[2 + 48 + i]).ok());
        }
    }
    const size_t rest = size - 1 - 2 * kPerQueue;
    const size_t n = rest < kRam - kFrames ? rest : kRam - kFrames;
    check(g_mem->write(kFrames, {data + 1 + 2 * kPerQueue, n}).ok());

    uint64_t features = kFeatureVersion1;
    if (pick & 0x01) features |= VirtioNet::kFeatureCsum;
    if (pick & 0x02) features |= VirtioNet::kFeatureHostTso4;
    if (pick & 0x04) features |= VirtioNet::kFeatureGuestCsum;
    if (pick & 0x08) features |= VirtioNet::kFeatureGuestTso4;
    if (pick & 0x10) features |= kFeatureEventIdx;
    if (pick & 0x20) features |= kFeatureIndirectDesc;
    const uint32_t qsize = 1u << ((pick >> 6) + 2);  // 4..32

    set(kRegStatus, 0);
    set(kRegStatus, kStatusAcknowledge | kStatusDriver);
    set(kRegDriverFeaturesSel, 0);
    set(kRegDriverFeatures, uint32_t(features));
    set(kRegDriverFeaturesSel, 1);
    set(kRegDriverFeatures, uint32_t(features >> 32));
    set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    for (uint32_t q = 0; q < 2; ++q) {
        set(kRegQueueSel, q);
        set(kRegQueueNum, qsize);
        set(kRegQueueDescLow, uint32_t(kRing[q][0]));
        set(kRegQueueDriverLow, uint32_t(kRing[q][1]));
        set(kRegQueueDeviceLow, uint32_t(kRing[q][2]));
        set(kRegQueueReady, 1);
    }
    set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    for (int round = 0; round < 2; ++round) g_net->process(*g_mem);
    const uint32_t status = reg(kRegStatus);
    if (!(status & kStatusNeedsReset)) {
        check(status & kStatusDriverOk);
        for (uint32_t q = 0; q < 2; ++q) {
            const uint16_t avail = g_mem->read_obj<uint16_t>(kRing[q][1] + 2).value();
            const uint16_t used = g_mem->read_obj<uint16_t>(kRing[q][2] + 2).value();
            check(uint16_t(avail - used) <= qsize);  // nothing returned that was not given
        }
    }
    return 0;
}

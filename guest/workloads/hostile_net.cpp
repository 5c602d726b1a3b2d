// hostile-net: a driver that breaks the virtio-net rules on purpose against the first
// virtio-net device (`domus run --net tap=NAME --cmdline hostile-net`): transmit chains with
// device-writable buffers, descriptor loops, buffers outside RAM, headers shorter than 12
// bytes, frames shorter than an Ethernet header or longer than 64 KiB, checksum offsets
// outside the frame, offloads never negotiated; receive buffers the device may only read or
// that cannot hold a header; and a driver that never gives receive buffers for a while. A
// frame the device must drop comes back as a used entry (the device stays up); a broken queue
// puts it into DEVICE_NEEDS_RESET. Afterwards a good frame must still be sent and a frame from
// the host received. Prints one line per case; powers off with 0 when every case went as
// expected.
#include "arch/cpu.hpp"
#include "arch/vmem.hpp"
#include "dev/virtqueue.hpp"
#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/kpt.hpp"
#include "mm/phys.hpp"
#include "workloads/workloads.hpp"

namespace {

constexpr uint32_t kStatus = 0x070, kQueueNotify = 0x050, kNeedsReset = 0x40;
constexpr uint16_t kNext = 1, kWrite = 2;
constexpr uint16_t kSize = 8;
constexpr uint32_t kAvailAt = 128, kUsedAt = 256;
constexpr uint32_t kRx = 0, kTx = 1;
constexpr uint32_t kHdr = 12;
constexpr uint64_t kFeatureCsum = 1;  // the only offload asked for (no TSO: it must be refused)

struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct Queue {
    uint64_t ring_gpa;
    uint8_t* ring;
    uint16_t avail;
    volatile Desc* desc() { return reinterpret_cast<volatile Desc*>(ring); }
    volatile uint16_t* avail_idx() {
        return reinterpret_cast<volatile uint16_t*>(ring + kAvailAt + 2);
    }
    volatile uint16_t* avail_ring() {
        return reinterpret_cast<volatile uint16_t*>(ring + kAvailAt + 4);
    }
    volatile uint16_t* used_idx() {
        return reinterpret_cast<volatile uint16_t*>(ring + kUsedAt + 2);
    }
    volatile uint32_t* used_len(uint16_t i) {
        return reinterpret_cast<volatile uint32_t*>(ring + kUsedAt + 8 + 8 * (i % kSize));
    }
    void put(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        desc()[i].addr = addr;
        desc()[i].len = len;
        desc()[i].flags = flags;
        desc()[i].next = next;
    }
    void publish(uint16_t head) {
        avail_ring()[avail % kSize] = head;
        asm volatile("" ::: "memory");
        *avail_idx() = ++avail;
    }
};

struct Rig {
    volatile uint32_t* regs;
    Queue q[2];
    uint64_t data_gpa;  // 32 pages: frames to send, and the receive buffer
    uint8_t* data;
    int failures;

    uint32_t reg(uint32_t off) const { return regs[off / 4]; }
    void set(uint32_t off, uint32_t v) { regs[off / 4] = v; }

    bool bring_up() {
        set(kStatus, 0);
        for (Queue& x : q) {
            memset(x.ring, 0, phys::kPageSize);
            x.avail = 0;
        }
        set(kStatus, 1);
        set(kStatus, 3);
        set(0x024, 0);
        set(0x020, uint32_t(kFeatureCsum));
        set(0x024, 1);
        set(0x020, 1);
        set(kStatus, 11);
        for (uint32_t i = 0; i < 2; ++i) {
            const uint64_t g = q[i].ring_gpa;
            set(0x030, i);
            set(0x038, kSize);
            set(0x080, uint32_t(g));
            set(0x084, uint32_t(g >> 32));
            set(0x090, uint32_t(g + kAvailAt));
            set(0x094, uint32_t((g + kAvailAt) >> 32));
            set(0x0a0, uint32_t(g + kUsedAt));
            set(0x0a4, uint32_t((g + kUsedAt) >> 32));
            set(0x044, 1);
        }
        set(kStatus, 15);
        return (reg(kStatus) & (4 | kNeedsReset)) == 4;
    }
    // A frame for the host: virtio-net header (flags, csum_start, csum_offset), then an
    // Ethernet header of EtherType 0x88b5 and `payload` bytes of 'H'.
    void frame(uint8_t flags, uint16_t csum_start, uint16_t csum_offset, uint32_t payload) {
        memset(data, 0, kHdr);
        data[0] = flags;
        memcpy(data + 6, &csum_start, 2);
        memcpy(data + 8, &csum_offset, 2);
        static const uint8_t eth[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                        0,    0,    0,    0,    0x77, 0x88, 0xb5};
        memcpy(data + kHdr, eth, 14);
        memset(data + kHdr + 14, 'H', payload);
    }
    // Notifies queue `which`, then waits (200 ms at most) for a used entry or NEEDS_RESET.
    const char* outcome(uint32_t which, uint16_t used_before) {
        asm volatile("" ::: "memory");
        set(kQueueNotify, which);
        const uint64_t deadline = time_monotonic_ns() + 200'000'000;
        while (time_monotonic_ns() < deadline) {
            if (reg(kStatus) & kNeedsReset) return "needs-reset";
            if (*q[which].used_idx() != used_before) return "returned";
            cpu::pause();
        }
        return "no-answer";
    }
    void expect(const char* name, const char* got, const char* want) {
        const bool good =
            kstrnlen(got, 32) == kstrnlen(want, 32) && memcmp(got, want, kstrnlen(want, 32)) == 0;
        kprintf("hostile-net: %s: %s%s\n", name, got, good ? "" : " (UNEXPECTED)");
        if (!good) ++failures;
    }
};

struct Case {
    const char* name;
    uint32_t queue;
    void (*build)(Rig&);
    const char* want;
};

constexpr Case kCases[] = {
    {"transmit buffer the device may write", kTx,
     [](Rig& r) {
         r.frame(0, 0, 0, 50);
         r.q[kTx].put(0, r.data_gpa, kHdr + 64, kWrite, 0);
         r.q[kTx].publish(0);
     },
     "needs-reset"},
    {"transmit descriptor loop", kTx,
     [](Rig& r) {
         r.frame(0, 0, 0, 50);
         r.q[kTx].put(0, r.data_gpa, kHdr, kNext, 1);
         r.q[kTx].put(1, r.data_gpa + kHdr, 64, kNext, 0);
         r.q[kTx].publish(0);
     },
     "needs-reset"},
    {"transmit buffer outside RAM", kTx,
     [](Rig& r) {
         r.q[kTx].put(0, 1ull << 40, 1500, 0, 0);
         r.q[kTx].publish(0);
     },
     "needs-reset"},
    {"transmit length running over the rings", kTx,
     [](Rig& r) {
         r.q[kTx].put(0, r.q[kTx].ring_gpa - 64, 4096, 0, 0);
         r.q[kTx].publish(0);
     },
     "needs-reset"},
    {"header shorter than 12 bytes", kTx,
     [](Rig& r) {
         r.frame(0, 0, 0, 0);
         r.q[kTx].put(0, r.data_gpa, 8, 0, 0);
         r.q[kTx].publish(0);
     },
     "returned"},
    {"frame shorter than an Ethernet header", kTx,
     [](Rig& r) {
         r.frame(0, 0, 0, 0);
         r.q[kTx].put(0, r.data_gpa, kHdr + 10, 0, 0);
         r.q[kTx].publish(0);
     },
     "returned"},
    {"frame longer than 64 KiB", kTx,
     [](Rig& r) {
         r.frame(0, 0, 0, 70000);
         r.q[kTx].put(0, r.data_gpa, kHdr + 14 + 70000, 0, 0);
         r.q[kTx].publish(0);
     },
     "returned"},
    {"checksum offset outside the frame", kTx,
     [](Rig& r) {
         r.frame(1, 60, 40, 50);
         r.q[kTx].put(0, r.data_gpa, kHdr + 64, 0, 0);
         r.q[kTx].publish(0);
     },
     "returned"},
    {"segmentation offload never negotiated", kTx,
     [](Rig& r) {
         r.frame(1, 34, 16, 3000);
         r.data[1] = 1;  // GSO TCPv4
         r.data[4] = 0xa8;
         r.data[5] = 0x05;  // gso_size 1448
         r.q[kTx].put(0, r.data_gpa, kHdr + 14 + 3000, 0, 0);
         r.q[kTx].publish(0);
     },
     "returned"},
    {"receive buffer the device may only read", kRx,
     [](Rig& r) {
         r.q[kRx].put(0, r.data_gpa, 2048, 0, 0);
         r.q[kRx].publish(0);
     },
     "needs-reset"},
    {"receive buffer shorter than a header", kRx,
     [](Rig& r) {
         r.q[kRx].put(0, r.data_gpa, 6, kWrite, 0);
         r.q[kRx].publish(0);
     },
     "needs-reset"},
    {"receive head beyond the queue", kRx,
     [](Rig& r) {
         r.q[kRx].put(0, r.data_gpa, 2048, kWrite, 0);
         r.q[kRx].publish(77);
     },
     "needs-reset"},
};

}  // namespace

WorkloadExit run_hostile_net(const Options&) {
    time_init();
    const domus_virtio_device* dev_info = dev::find_virtio_device(1);
    const uint64_t base = dev_info != nullptr ? dev_info->base : 0;
    if (base == 0 || !kpt::map_mmio(base)) {
        kprintf("hostile-net: no virtio-net device (domus run --net tap=NAME)\n");
        return {DOMUS_SHUTDOWN_CRASH, 2};
    }
    Rig r{};
    r.regs = vmem::from_gpa<volatile uint32_t>(base);
    for (Queue& x : r.q) {
        x.ring_gpa = phys::alloc_zeroed();
        if (x.ring_gpa == 0) return {DOMUS_SHUTDOWN_CRASH, 3};
        x.ring = vmem::from_gpa<uint8_t>(x.ring_gpa);
    }
    r.data_gpa = phys::alloc_zeroed(5);  // 128 KiB
    if (r.data_gpa == 0) return {DOMUS_SHUTDOWN_CRASH, 3};
    r.data = vmem::from_gpa<uint8_t>(r.data_gpa);

    for (const Case& c : kCases) {
        if (!r.bring_up()) {
            r.expect(c.name, "bring-up refused", c.want);
            continue;
        }
        const uint16_t before = *r.q[c.queue].used_idx();
        c.build(r);
        r.expect(c.name, r.outcome(c.queue, before), c.want);
    }
    if (!r.bring_up()) {
        r.expect("bring-up after the abuse", "refused", "ok");
    } else {
        // A good frame out; the host (the test) sees it and answers with frames of its own,
        // which wait in the TAP while no receive buffer is given for a second.
        r.frame(0, 0, 0, 46);
        memcpy(r.data + kHdr + 14, "hostile-net says hello", 22);
        r.q[kTx].put(0, r.data_gpa, kHdr + 60, 0, 0);
        r.q[kTx].publish(0);
        r.expect("good frame after the abuse", r.outcome(kTx, 0), "returned");
        kprintf("hostile-net: sent the good frame\n");
        const uint64_t quiet = time_monotonic_ns() + 1'000'000'000;
        while (time_monotonic_ns() < quiet) cpu::pause();
        // Frames the test did not send may come first on the bridge (the host's IPv6 router
        // solicitations and listener reports, the neighbour's ARP): up to 16 are skipped.
        const uint64_t rx_gpa = r.data_gpa + 65536;
        const char* got = "no-answer";
        bool from_host = false;
        for (uint16_t n = 0; n < 16 && !from_host; ++n) {
            const uint16_t before = *r.q[kRx].used_idx();
            r.q[kRx].put(0, rx_gpa, 4096, kWrite, 0);
            r.q[kRx].publish(0);
            got = r.outcome(kRx, before);
            if (!kstreq_n(got, kstrnlen(got, 32), "returned")) break;
            const uint32_t len = *r.q[kRx].used_len(before);
            const uint8_t* frame = vmem::from_gpa<uint8_t>(rx_gpa) + kHdr;
            from_host = len >= kHdr + 14 && frame[12] == 0x88 && frame[13] == 0xb5;
        }
        r.expect("frame from the host after a second without buffers", from_host ? "received" : got,
                 "received");
    }
    kprintf("hostile-net: %d unexpected\n", r.failures);
    return {r.failures == 0 ? DOMUS_SHUTDOWN_POWEROFF : DOMUS_SHUTDOWN_CRASH, uint32_t(r.failures)};
}

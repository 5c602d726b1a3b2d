// hostile-virtio: a driver that breaks the virtio rules on purpose against the first
// virtio-blk device (`domus run --disk IMAGE --cmdline hostile-virtio`): descriptor loops, a
// chain longer than the queue, buffers outside RAM or over the queue's own rings, buffers in
// the wrong direction, zero lengths, heads and indices beyond the queue, a request past the
// end of the disk, and completions never consumed. After each, the device must have gone to
// DEVICE_NEEDS_RESET or answered with an error status, and after a reset it must serve a good
// request again; the monitor must stay up throughout. Prints one line per case and powers off
// with 0 when every case went as expected.
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

constexpr uint32_t kStatus = 0x070, kQueueNotify = 0x050, kConfig = 0x100;
constexpr uint32_t kNeedsReset = 0x40;
constexpr uint16_t kNext = 1, kWrite = 2;
constexpr uint16_t kSize = 8;
constexpr uint32_t kAvailAt = 128, kUsedAt = 256;

struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct Rig {
    volatile uint32_t* regs;
    uint64_t ring_gpa, data_gpa;
    uint8_t* ring;
    uint8_t* data;  // header at 0, status at 64, a 512-byte buffer at 512
    uint16_t avail;
    int failures;

    uint32_t reg(uint32_t off) const { return regs[off / 4]; }
    void set(uint32_t off, uint32_t v) { regs[off / 4] = v; }
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

    // A reset, fresh rings and the Linux driver's bring-up with VERSION_1 alone.
    bool bring_up() {
        set(kStatus, 0);
        memset(ring, 0, phys::kPageSize);
        avail = 0;
        set(kStatus, 1);
        set(kStatus, 3);
        set(0x024, 0);
        set(0x020, 0);
        set(0x024, 1);
        set(0x020, 1);
        set(kStatus, 11);
        set(0x030, 0);
        set(0x038, kSize);
        set(0x080, uint32_t(ring_gpa));
        set(0x084, uint32_t(ring_gpa >> 32));
        set(0x090, uint32_t(ring_gpa + kAvailAt));
        set(0x094, uint32_t((ring_gpa + kAvailAt) >> 32));
        set(0x0a0, uint32_t(ring_gpa + kUsedAt));
        set(0x0a4, uint32_t((ring_gpa + kUsedAt) >> 32));
        set(0x044, 1);
        set(kStatus, 15);
        return (reg(kStatus) & (4 | kNeedsReset)) == 4;
    }
    void header(uint32_t type, uint64_t sector) {
        memcpy(data, &type, 4);
        memset(data + 4, 0, 4);
        memcpy(data + 8, &sector, 8);
        data[64] = 0xee;
    }
    void put(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        desc()[i].addr = addr;
        desc()[i].len = len;
        desc()[i].flags = flags;
        desc()[i].next = next;
    }
    // The well-formed read of one sector: header, buffer, status in descriptors base..base+2.
    void good_read(uint16_t base, uint64_t sector) {
        header(0, sector);
        put(base, data_gpa, 16, kNext, uint16_t(base + 1));
        put(uint16_t(base + 1), data_gpa + 512, 512, kWrite | kNext, uint16_t(base + 2));
        put(uint16_t(base + 2), data_gpa + 64, 1, kWrite, 0);
    }
    void publish(uint16_t head) {
        avail_ring()[avail % kSize] = head;
        asm volatile("" ::: "memory");
        *avail_idx() = ++avail;
    }
    // Notifies, then waits (200 ms at most) for a used entry or DEVICE_NEEDS_RESET.
    const char* outcome(uint16_t used_before) {
        asm volatile("" ::: "memory");
        set(kQueueNotify, 0);
        const uint64_t deadline = time_monotonic_ns() + 200'000'000;
        while (time_monotonic_ns() < deadline) {
            if (reg(kStatus) & kNeedsReset) return "needs-reset";
            if (*used_idx() != used_before) return data[64] == 0 ? "ok" : "error-status";
            cpu::pause();
        }
        return "no-answer";
    }
    void expect(const char* name, const char* got, const char* want) {
        const bool good =
            kstrnlen(got, 32) == kstrnlen(want, 32) && memcmp(got, want, kstrnlen(want, 32)) == 0;
        kprintf("hostile-virtio: %s: %s%s\n", name, got, good ? "" : " (UNEXPECTED)");
        if (!good) ++failures;
    }
};

}  // namespace

WorkloadExit run_hostile_virtio(const Options&) {
    time_init();  // the deadlines below (the built-in workloads do not set the clock up)
    const domus_virtio_device* dev_info = dev::find_virtio_device(2);
    const uint64_t base = dev_info != nullptr ? dev_info->base : 0;
    if (base == 0 || !kpt::map_mmio(base)) {
        kprintf("hostile-virtio: no virtio-blk device (domus run --disk IMAGE)\n");
        return {DOMUS_SHUTDOWN_CRASH, 2};
    }
    Rig r{};
    r.regs = vmem::from_gpa<volatile uint32_t>(base);
    r.ring_gpa = phys::alloc_zeroed();
    r.data_gpa = phys::alloc_zeroed();
    if (r.ring_gpa == 0 || r.data_gpa == 0) return {DOMUS_SHUTDOWN_CRASH, 3};
    r.ring = vmem::from_gpa<uint8_t>(r.ring_gpa);
    r.data = vmem::from_gpa<uint8_t>(r.data_gpa);
    const uint64_t capacity = uint64_t(r.reg(kConfig)) | uint64_t(r.reg(kConfig + 4)) << 32;

    struct Case {
        const char* name;
        void (*build)(Rig&, uint64_t capacity);
        const char* want;
    };
    static constexpr Case kCases[] = {
        {"descriptor loop",
         [](Rig& r, uint64_t) {
             r.header(0, 0);
             r.put(0, r.data_gpa, 16, kNext, 0);
             r.publish(0);
         },
         "needs-reset"},
        {"chain longer than the queue",
         [](Rig& r, uint64_t) {
             r.header(0, 0);
             for (uint16_t i = 0; i < kSize; ++i) {
                 r.put(i, r.data_gpa, 16, kNext, uint16_t((i + 1) % kSize));
             }
             r.publish(0);
         },
         "needs-reset"},
        {"buffer outside RAM",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.desc()[1].addr = 1ull << 40;
             r.publish(0);
         },
         "needs-reset"},
        {"buffer over the queue's rings",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.desc()[1].addr = r.ring_gpa;
             r.publish(0);
         },
         "needs-reset"},
        {"status byte not writable",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.desc()[2].flags = 0;
             r.publish(0);
         },
         "needs-reset"},
        {"readable after writable",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.desc()[0].flags = kWrite | kNext;
             r.desc()[1].flags = kNext;
             r.publish(0);
         },
         "needs-reset"},
        {"zero-length buffer",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.desc()[1].len = 0;
             r.publish(0);
         },
         "needs-reset"},
        {"head beyond the queue",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.publish(200);
         },
         "needs-reset"},
        {"available index far ahead",
         [](Rig& r, uint64_t) {
             r.good_read(0, 0);
             r.avail_ring()[0] = 0;
             *r.avail_idx() = 100;
         },
         "needs-reset"},
        {"read past the end of the disk",
         [](Rig& r, uint64_t capacity) {
             r.good_read(0, capacity);
             r.publish(0);
         },
         "error-status"},
    };
    for (const Case& c : kCases) {
        if (!r.bring_up()) {
            r.expect(c.name, "bring-up refused", c.want);
            continue;
        }
        const uint16_t before = *r.used_idx();
        c.build(r, capacity);
        r.expect(c.name, r.outcome(before), c.want);
    }
    // Completions never consumed: 40 reads through the same chain, published four at a time,
    // while the driver never takes anything off the used ring (the device wraps around it;
    // that is the driver's loss, nobody else's).
    if (r.bring_up()) {
        r.good_read(0, 1);
        const uint64_t deadline = time_monotonic_ns() + 2'000'000'000;
        for (int batch = 0; batch < 10; ++batch) {
            for (int i = 0; i < 4; ++i) r.publish(0);
            r.set(kQueueNotify, 0);
            while (*r.used_idx() != r.avail && time_monotonic_ns() < deadline) cpu::pause();
        }
        const bool alive = (r.reg(kStatus) & kNeedsReset) == 0;
        r.expect("completions never consumed",
                 *r.used_idx() == 40 && alive ? "served" : (alive ? "stalled" : "needs-reset"),
                 "served");
    }
    // And a good request works after all of it.
    if (r.bring_up()) {
        r.good_read(0, 0);
        r.publish(0);
        r.expect("good read after the abuse", r.outcome(0), "ok");
    } else {
        r.expect("good read after the abuse", "bring-up refused", "ok");
    }
    kprintf("hostile-virtio: %d unexpected\n", r.failures);
    return {r.failures == 0 ? DOMUS_SHUTDOWN_POWEROFF : DOMUS_SHUTDOWN_CRASH, uint32_t(r.failures)};
}

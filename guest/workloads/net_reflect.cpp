// net-reflect: the platform floor of a network round trip (`domus run --net tap=NAME --cmdline
// net-reflect`): the guest kernel itself, with no stack and no process, sends back every
// frame of EtherType 0x88b5 it receives on the first virtio-net device (source and
// destination swapped), waiting for each in a halt until the device's interrupt. A round trip
// measured from the host is then TAP -> monitor thread -> irqfd -> the halted vCPU's interrupt
// -> doorbell (ioeventfd) -> monitor thread -> TAP, the floor under ping. Ends on a frame whose
// payload starts with "stop", or after 60 s; prints the count.
#include "arch/apic.hpp"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"
#include "dev/virtqueue.hpp"
#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/phys.hpp"
#include "workloads/workloads.hpp"

namespace {

constexpr uint32_t kHdr = 12, kBuf = 2048, kRxBufs = 8;
volatile uint32_t g_irqs = 0;

void on_irq(TrapFrame*) {
    apic::eoi();
    g_irqs = g_irqs + 1;
}

}  // namespace

WorkloadExit run_net_reflect(const Options&) {
    time_init();
    const domus_virtio_device* dev_info = dev::find_virtio_device(1);
    const uint64_t base = dev_info != nullptr ? dev_info->base : 0;
    const uint32_t vector = dev_info != nullptr ? dev_info->vector : 0;
    if (base == 0) {
        kprintf("net-reflect: no virtio-net device (domus run --net tap=NAME)\n");
        return {DOMUS_SHUTDOWN_CRASH, 2};
    }
    apic::init_cpu(this_cpu());
    trap_set_irq_handler(uint8_t(vector), on_irq);
    dev::VirtioMmio mmio;
    dev::Virtqueue rx, tx;
    const uint64_t bufs = phys::alloc_zeroed(2);  // 16 KiB: 8 receive buffers
    const uint64_t out = phys::alloc_zeroed();
    if (bufs == 0 || out == 0 || !mmio.begin(base, 1, 0) || !rx.setup(mmio, 0) ||
        !tx.setup(mmio, 1)) {
        kprintf("net-reflect: the device did not come up\n");
        return {DOMUS_SHUTDOWN_CRASH, 3};
    }
    uint16_t buf_of[dev::Virtqueue::kMaxEntries] = {};
    auto post = [&](uint16_t i) {
        const dev::VirtqBuf b{bufs + uint64_t(i) * kBuf, kBuf, true};
        buf_of[rx.next_head()] = i;
        rx.add(&b, 1);
    };
    for (uint16_t i = 0; i < kRxBufs; ++i) post(i);
    rx.set_interrupts(true);
    if (!mmio.finish()) return {DOMUS_SHUTDOWN_CRASH, 3};
    rx.kick();
    kprintf("net-reflect: ready\n");
    uint64_t count = 0;
    const uint64_t deadline = time_monotonic_ns() + 60'000'000'000;
    bool stop = false;
    while (!stop && time_monotonic_ns() < deadline) {
        uint16_t head;
        uint32_t written;
        bool bogus, any = false;
        while (rx.reap(&head, &written, &bogus)) {
            any = true;
            if (bogus) return {DOMUS_SHUTDOWN_CRASH, 4};
            const uint8_t* f = vmem::from_gpa<uint8_t>(bufs + uint64_t(buf_of[head]) * kBuf) + kHdr;
            const uint32_t len = written > kHdr ? written - kHdr : 0;
            if (len >= 14 && f[12] == 0x88 && f[13] == 0xb5) {
                if (len >= 18 && memcmp(f + 14, "stop", 4) == 0) stop = true;
                uint16_t t;
                uint32_t w;
                bool b;
                while (tx.reap(&t, &w, &b)) {
                }
                uint8_t* o = vmem::from_gpa<uint8_t>(out);
                memset(o, 0, kHdr);
                memcpy(o + kHdr, f + 6, 6);
                memcpy(o + kHdr + 6, f, 6);
                memcpy(o + kHdr + 12, f + 12, len - 12);
                const dev::VirtqBuf ob{out, kHdr + len, false};
                tx.add(&ob, 1);
                tx.kick();
                ++count;
            }
            post(buf_of[head]);
            rx.kick();
        }
        if (!any) irq::idle_halt();  // the device's interrupt (or the next one) wakes us
    }
    kprintf("net-reflect: %lu frames\n", count);
    return {DOMUS_SHUTDOWN_POWEROFF, 0};
}

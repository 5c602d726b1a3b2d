#include "dev/virtio_net.hpp"

#include "abi/errno.hpp"
#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"
#include "dev/virtqueue.hpp"
#include "domus/abi/boot_info.h"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/phys.hpp"
#include "net/netdev.hpp"
#include "net/types.hpp"

namespace dev {

namespace {

using namespace linux_errno;

constexpr uint32_t kVirtioNet = 1;
constexpr uint64_t kFeatureCsum = 1ull << 0, kFeatureGuestCsum = 1ull << 1;
constexpr uint64_t kFeatureMac = 1ull << 5, kFeatureGuestTso4 = 1ull << 7;
constexpr uint64_t kFeatureHostTso4 = 1ull << 11, kFeatureStatus = 1ull << 16;
constexpr uint32_t kHdrBytes = sizeof(net::NetHdr);
// One buffer: virtio-net's header and the largest frame (a 64 KiB IPv4 packet, Ethernet and a
// VLAN tag), rounded up to whole pages.
constexpr uint32_t kBufBytes = 17 * 4096;
static_assert(kBufBytes >= kHdrBytes + net::kMaxGsoFrame + 4);
constexpr unsigned kRxOrder = 9;  // 2 MiB: 30 receive buffers
constexpr unsigned kTxOrder = 8;  // 1 MiB: 15 transmit slots
constexpr unsigned kMinOrder = 6;
constexpr int kMaxNics = 4;
constexpr uint16_t kNoSlot = 0xffff;

struct Nic {
    VirtioMmio mmio;
    Virtqueue rx, tx;
    SpinLock rx_lock, tx_lock;
    uint64_t rx_gpa, tx_gpa;  // the blocks the buffers are carved from
    unsigned rx_order, tx_order;
    uint16_t rx_count, tx_count;
    uint16_t rx_buf_of[Virtqueue::kMaxEntries];   // per head in flight: which buffer
    uint16_t tx_slot_of[Virtqueue::kMaxEntries];  // per head in flight: which slot
    uint32_t tx_free;                             // bit i: slot i is free
    bool tx_waiting;                              // the stack was told -EAGAIN
    bool dead;                                    // the device broke the protocol
    uint32_t vector;
    net::NetDevice nd;
};

constinit Nic g_nics[kMaxNics] = {};
constinit int g_count = 0;

uint8_t* rx_buf(Nic* n, uint16_t i) {
    return vmem::from_gpa<uint8_t>(n->rx_gpa + uint64_t(i) * kBufBytes);
}
uint8_t* tx_slot(Nic* n, uint16_t i) {
    return vmem::from_gpa<uint8_t>(n->tx_gpa + uint64_t(i) * kBufBytes);
}

// rx_lock held.
bool post_rx(Nic* n, uint16_t i) {
    const VirtqBuf b{n->rx_gpa + uint64_t(i) * kBufBytes, kBufBytes, true};
    const uint16_t head = n->rx.next_head();
    if (!n->rx.add(&b, 1)) return false;
    n->rx_buf_of[head] = i;
    return true;
}

// Takes back the slots the device finished with. tx_lock held.
void reap_tx(Nic* n) {
    uint16_t head;
    uint32_t written;
    bool bogus;
    while (n->tx.reap(&head, &written, &bogus)) {
        if (bogus || n->tx_slot_of[head] == kNoSlot) {
            kprintf("guest: %s: the device returned a transmit it was not given\n", n->nd.name);
            n->dead = true;
            continue;
        }
        n->tx_free |= 1u << n->tx_slot_of[head];
        n->tx_slot_of[head] = kNoSlot;
    }
}

// True when the device gave back every transmit slot. tx_lock held.
bool tx_idle(Nic* n) {
    reap_tx(n);
    const uint32_t all = n->tx_count == 32 ? ~0u : (1u << n->tx_count) - 1;
    return n->dead || n->tx_free == all;
}

int transmit(net::NetDevice* dev, const net::NetHdr& hdr, const net::NetSeg* segs, uint32_t count) {
    Nic* n = static_cast<Nic*>(dev->driver);
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) total += segs[i].len;
    if (total > kBufBytes - kHdrBytes) return -net::err::kEMSGSIZE;
    LockGuard guard(n->tx_lock);
    if (n->dead) return -EIO;
    reap_tx(n);
    if (n->tx_free == 0 || n->tx.free_count() == 0) {
        // Ask for the interrupt, then look once more: a slot returned meanwhile is not missed.
        n->tx_waiting = true;
        n->tx.set_interrupts(true);
        reap_tx(n);
        if (n->tx_free == 0 || n->tx.free_count() == 0) return -EAGAIN;  // the stack retries
    }
    const uint16_t slot = uint16_t(__builtin_ctz(n->tx_free));
    uint8_t* p = tx_slot(n, slot);
    net::NetHdr h = hdr;
    h.num_buffers = 0;
    memcpy(p, &h, kHdrBytes);
    uint64_t at = kHdrBytes;
    for (uint32_t i = 0; i < count; ++i) {
        memcpy(p + at, segs[i].data, segs[i].len);
        at += segs[i].len;
    }
    const VirtqBuf b{n->tx_gpa + uint64_t(slot) * kBufBytes, uint32_t(at), false};
    const uint16_t head = n->tx.next_head();
    if (!n->tx.add(&b, 1)) return -EAGAIN;  // free_count said there was room
    n->tx_slot_of[head] = slot;
    n->tx_free &= ~(1u << slot);
    n->tx.kick();
    ++n->nd.stats.tx_packets;
    n->nd.stats.tx_bytes += total;
    return 0;
}

constexpr net::NetDeviceOps kOps = {transmit};

// Hands every filled receive buffer to the stack and posts it again; then, if the stack waits
// for transmit room and some came back, tells it.
void service(Nic* n) {
    bool reposted = false;
    for (;;) {
        uint16_t head, buf;
        uint32_t written;
        bool bogus;
        {
            LockGuard guard(n->rx_lock);
            if (n->dead || !n->rx.reap(&head, &written, &bogus)) break;
            if (bogus || n->rx_buf_of[head] == kNoSlot || written > kBufBytes) {
                kprintf("guest: %s: the device returned a receive buffer it was not given\n",
                        n->nd.name);
                n->dead = true;
                break;
            }
            buf = n->rx_buf_of[head];
            n->rx_buf_of[head] = kNoSlot;
        }
        const uint8_t* p = rx_buf(n, buf);
        if (written >= kHdrBytes + 14) {
            net::NetHdr h;
            memcpy(&h, p, kHdrBytes);
            ++n->nd.stats.rx_packets;
            n->nd.stats.rx_bytes += written - kHdrBytes;
            net::receive(&n->nd, h, p + kHdrBytes, written - kHdrBytes);
        } else {
            ++n->nd.stats.rx_dropped;
        }
        LockGuard guard(n->rx_lock);
        (void)post_rx(n, buf);  // the descriptors it used are free again
        reposted = true;
    }
    if (reposted) {
        LockGuard guard(n->rx_lock);
        n->rx.kick();
    }
    bool room = false;
    {
        LockGuard guard(n->tx_lock);
        if (n->tx_waiting) {
            reap_tx(n);
            if (n->tx_free != 0) {
                n->tx_waiting = false;
                n->tx.set_interrupts(false);
                room = true;
            }
        }
    }
    if (room) net::tx_space(&n->nd);
}

void on_net_irq(TrapFrame* frame) {
    apic::eoi();
    for (int i = 0; i < g_count; ++i) {
        if (g_nics[i].vector == frame->vector) service(&g_nics[i]);
    }
}

// A physically contiguous block of at most 2^order pages (smaller when memory is short);
// false when not even 2^kMinOrder is free.
bool alloc_block(unsigned order, uint64_t* gpa, unsigned* got) {
    for (unsigned o = order; o >= kMinOrder; --o) {
        *gpa = phys::alloc(o);
        if (*gpa != 0) {
            *got = o;
            return true;
        }
    }
    return false;
}

bool set_up(Nic* n, uint64_t base, int index) {
    const uint64_t wanted = kFeatureMac | kFeatureStatus | kFeatureCsum | kFeatureGuestCsum |
                            kFeatureHostTso4 | kFeatureGuestTso4;
    if (!n->mmio.begin(base, kVirtioNet, wanted) || !n->rx.setup(n->mmio, 0) ||
        !n->tx.setup(n->mmio, 1)) {
        return false;
    }
    if (!alloc_block(kRxOrder, &n->rx_gpa, &n->rx_order) ||
        !alloc_block(kTxOrder, &n->tx_gpa, &n->tx_order)) {
        kprintf("guest: eth%d: no memory for its buffers\n", index);
        return false;
    }
    const uint64_t rx_bufs = (phys::kPageSize << n->rx_order) / kBufBytes;
    const uint64_t tx_slots = (phys::kPageSize << n->tx_order) / kBufBytes;
    n->rx_count = uint16_t(rx_bufs < n->rx.free_count() ? rx_bufs : n->rx.free_count());
    n->tx_count = uint16_t(tx_slots < 32 ? tx_slots : 32);
    n->tx_free = n->tx_count == 32 ? ~0u : (1u << n->tx_count) - 1;
    for (auto& s : n->rx_buf_of) s = kNoSlot;
    for (auto& s : n->tx_slot_of) s = kNoSlot;
    for (uint16_t i = 0; i < n->rx_count; ++i) (void)post_rx(n, i);
    n->rx.set_interrupts(true);
    if (!n->mmio.finish()) return false;
    n->rx.kick();

    net::NetDevice& nd = n->nd;
    nd.ops = &kOps;
    nd.driver = n;
    nd.name[0] = 'e';
    nd.name[1] = 't';
    nd.name[2] = 'h';
    nd.name[3] = char('0' + index);
    nd.name[4] = '\0';
    const uint64_t f = n->mmio.features();
    for (uint32_t i = 0; i < 6; ++i) nd.mac[i] = (f & kFeatureMac) ? n->mmio.config8(i) : 0;
    if (!(f & kFeatureMac)) {
        nd.mac[0] = 0x02;  // locally administered; the domain id makes it unique per host
        nd.mac[5] = uint8_t(index);
    }
    nd.mtu = 1500;
    nd.offloads = 0;
    if (f & kFeatureCsum) nd.offloads |= net::kOffloadTxCsum;
    if ((f & kFeatureCsum) && (f & kFeatureHostTso4)) nd.offloads |= net::kOffloadTso4;
    if (f & kFeatureGuestCsum) nd.offloads |= net::kOffloadRxCsum;
    if ((f & kFeatureGuestCsum) && (f & kFeatureGuestTso4)) nd.offloads |= net::kOffloadRxTso4;
    return true;
}

}  // namespace

int probe_virtio_net() {
    const domus_boot_info* bi = g_boot.info;
    if (bi == nullptr || bi->size < offsetof(domus_boot_info, virtio) + sizeof(bi->virtio)) {
        return 0;
    }
    for (uint32_t i = 0; i < bi->virtio_count && i < DOMUS_MAX_VIRTIO_DEVICES; ++i) {
        if (bi->virtio[i].device_id != kVirtioNet || g_count == kMaxNics) continue;
        Nic* n = &g_nics[g_count];
        n->vector = bi->virtio[i].vector;
        if (n->vector < VECTOR_DEVICE_BASE ||
            n->vector >= VECTOR_DEVICE_BASE + VECTOR_DEVICE_COUNT) {
            kprintf("guest: eth%d: interrupt vector %u has no gate: skipped\n", g_count, n->vector);
            continue;
        }
        if (!set_up(n, bi->virtio[i].base, g_count)) {
            kprintf("guest: eth%d: skipped\n", g_count);
            if (n->rx_gpa != 0) phys::free(n->rx_gpa, n->rx_order);
            if (n->tx_gpa != 0) phys::free(n->tx_gpa, n->tx_order);
            *n = Nic{};
            continue;
        }
        if (!net::register_device(&n->nd)) return g_count;
        trap_set_irq_handler(uint8_t(n->vector), on_net_irq);
        ++g_count;
    }
    return g_count;
}

void drain_virtio_net(uint64_t timeout_ns) {
    const uint64_t deadline = time_monotonic_ns() + timeout_ns;
    for (int i = 0; i < g_count; ++i) {
        Nic* n = &g_nics[i];
        for (;;) {
            {
                LockGuard guard(n->tx_lock);
                if (tx_idle(n)) break;
            }
            if (time_monotonic_ns() >= deadline) return;
            cpu::pause();
        }
    }
}

}  // namespace dev

#include "dev/virtio_blk.hpp"

#include "abi/errno.hpp"
#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"
#include "dev/block.hpp"
#include "dev/virtqueue.hpp"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/phys.hpp"
#include "proc/sched.hpp"

namespace dev {

namespace {

using namespace linux_errno;

constexpr uint32_t kVirtioBlock = 2;
constexpr uint32_t kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4;
constexpr uint64_t kFeatureReadOnly = 1ull << 5, kFeatureFlush = 1ull << 9;
constexpr uint64_t kChunkBytes = 256 * 1024;  // one request's data at most
constexpr uint16_t kMaxRuns = 16;             // physically contiguous pieces per request
constexpr uint64_t kTimeoutNs = 30'000'000'000;
constexpr uint64_t kSpinNs = 1'000'000;  // before a task that may sleep does
constexpr uint32_t kMajor = 254;
constexpr int kMaxDisks = 8;

// A transfer's progress, on its caller's stack: whoever reaps a completion updates it.
struct Waiter {
    int in_flight;
    int error;
};

// Whose a request in flight is: a caller waiting on its stack, or an asynchronous transfer.
struct Owner {
    Waiter* w;
    blk::AsyncIo* op;
};

struct Disk {
    SpinLock lock;
    Virtqueue queue;
    uint8_t* slots;  // per head: a 16-byte header at 16*head, a status byte at 1024+head
    uint64_t slots_gpa;
    bool dead;                            // timed out or broke the protocol: every request is -EIO
    Owner owner[Virtqueue::kMaxEntries];  // per head in flight
    // Asynchronous transfers not completed yet, oldest first: a request waits for the older
    // writes that touch its sectors, so the host (whose io_uring keeps no order between
    // requests in flight) never sees a write pass an earlier one, nor a read miss one.
    blk::AsyncIo* async;
    uint64_t reaped;     // completions taken so far: a sleeper's check for progress
    uint64_t async_seq;  // asynchronous transfers ever queued
    int async_writes;    // asynchronous writes on the list
    WaitQueue sleepers;  // tasks waiting for the completion interrupt
    int sleeping;        // how many
    bool irq_on;         // interrupts asked for: while anyone sleeps or writes are out
    uint32_t vector;     // its completion interrupt (0: none)
    blk::BlockDevice bd;
};

constinit Disk g_disks[kMaxDisks] = {};
constinit int g_count = 0;

// Splits [buf, buf + len) into physically contiguous runs (the kernel's direct map is; its
// image alias too), at most kMaxRuns; returns the bytes covered (a prefix of len: all of it,
// or a whole number of sectors).
uint64_t runs_of(uint8_t* buf, uint64_t len, VirtqBuf* runs, uint16_t* count, bool writes) {
    *count = 0;
    uint64_t done = 0;
    while (done < len) {
        const uint64_t va = reinterpret_cast<uint64_t>(buf + done);
        const uint64_t in_page = phys::kPageSize - (va & (phys::kPageSize - 1));
        const uint64_t n = in_page < len - done ? in_page : len - done;
        const uint64_t gpa = vmem::to_gpa(buf + done);
        if (*count > 0 && runs[*count - 1].gpa + runs[*count - 1].len == gpa &&
            runs[*count - 1].len + n <= kChunkBytes) {
            runs[*count - 1].len += uint32_t(n);
        } else {
            if (*count == kMaxRuns) break;
            runs[(*count)++] = VirtqBuf{gpa, uint32_t(n), writes};
        }
        done += n;
    }
    // A request moves whole sectors: a prefix cut short by the run limit (a buffer that is
    // neither sector aligned nor contiguous) is trimmed back to a sector boundary.
    const uint64_t extra = done < len ? done % blk::kSectorSize : 0;
    if (extra != 0) {
        done -= extra;
        uint64_t trim = extra;
        while (trim > 0) {
            VirtqBuf& last = runs[*count - 1];
            const uint64_t cut = trim < last.len ? trim : last.len;
            last.len -= uint32_t(cut);
            trim -= cut;
            if (last.len == 0) --*count;
        }
    }
    return done;
}

// Interrupts are wanted while a task sleeps for a completion or asynchronous writes are out
// (their buffers are freed when they are reaped). An asynchronous read wants none: its owner
// reaps it when it comes for the data (a read-ahead, taken in the next read(2)), and on the
// PVM host each interrupt taken in user mode is an exception round trip (~1 per MiB read). Lock
// held.
void update_interrupts(Disk* d) {
    const bool want = d->vector != 0 && (d->sleeping > 0 || d->async_writes > 0);
    if (want == d->irq_on) return;
    d->queue.set_interrupts(want);
    d->irq_on = want;
}

// An asynchronous transfer is over: off the list, its owner told. Lock held.
void complete(Disk* d, blk::AsyncIo* op) {
    blk::AsyncIo** p = &d->async;
    while (*p != nullptr && *p != op) p = &(*p)->next;
    if (*p == op) {
        *p = op->next;
        if (op->write) --d->async_writes;
    }
    update_interrupts(d);
    op->done(op, op->error);  // may free op
}

// The device is given up: every request is -EIO from now on, and the asynchronous transfers are
// failed (their requests stay abandoned in the ring). Lock held.
void kill(Disk* d) {
    d->dead = true;
    while (blk::AsyncIo* op = d->async) {
        for (Owner& o : d->owner) {
            if (o.op == op) o = Owner{};
        }
        op->error = -EIO;
        complete(d, op);
    }
}

// Takes every completion the device has published, crediting its transfer. Lock held. false
// when the device broke the protocol (it is then dead).
bool reap_all(Disk* d) {
    uint16_t head;
    uint32_t written;
    bool bogus;
    while (d->queue.reap(&head, &written, &bogus)) {
        if (bogus) {
            kprintf("guest: %s: the device returned a request never made\n", d->bd.name);
            kill(d);
            return false;
        }
        const Owner o = d->owner[head];
        d->owner[head] = Owner{};
        ++d->reaped;
        const bool failed = d->slots[1024 + head] != 0;
        if (o.w != nullptr) {
            if (failed) o.w->error = -EIO;
            --o.w->in_flight;
        } else if (o.op != nullptr) {
            if (failed) o.op->error = -EIO;
            if (--o.op->in_flight == 0 && o.op->queued) complete(d, o.op);
        }
    }
    return true;
}

// Whether an asynchronous write older than `self` (all of them for nullptr) touches sectors
// [sector, sector + count). Lock held.
bool behind_a_write(const Disk* d, const blk::AsyncIo* self, uint64_t sector, uint64_t count) {
    for (const blk::AsyncIo* o = d->async; o != nullptr && o != self; o = o->next) {
        if (o->write && sector < o->sector + o->sectors && o->sector < sector + count) {
            return true;
        }
    }
    return false;
}

// Queues requests of [offset, bytes) for `owner` while descriptors last and no older
// asynchronous write is in their way; returns the new offset. Lock held.
uint64_t submit(Disk* d, Owner owner, uint32_t type, uint64_t sector, uint8_t* buf, uint64_t offset,
                uint64_t bytes, bool* first) {
    bool added = false;
    int& in_flight = owner.w != nullptr ? owner.w->in_flight : owner.op->in_flight;
    while ((offset < bytes || *first) && d->queue.free_count() >= 2 + kMaxRuns) {
        VirtqBuf bufs[kMaxRuns + 2];
        uint16_t runs = 0;
        const uint64_t want = bytes - offset < kChunkBytes ? bytes - offset : kChunkBytes;
        const uint64_t covered =
            want == 0 ? 0 : runs_of(buf + offset, want, bufs + 1, &runs, type == kTypeIn);
        const uint64_t at = sector + offset / blk::kSectorSize;
        if (covered != 0 && behind_a_write(d, owner.op, at, covered / blk::kSectorSize)) break;
        *first = false;
        const uint16_t head = d->queue.next_head();
        uint8_t* header = d->slots + 16 * head;
        memcpy(header, &type, 4);
        memset(header + 4, 0, 4);
        memcpy(header + 8, &at, 8);
        d->slots[1024 + head] = 0xff;
        bufs[0] = VirtqBuf{d->slots_gpa + 16 * head, 16, false};
        bufs[runs + 1] = VirtqBuf{d->slots_gpa + 1024 + head, 1, true};
        if (!d->queue.add(bufs, uint16_t(runs + 2))) break;
        d->owner[head] = owner;
        ++in_flight;
        offset += covered;
        added = true;
    }
    if (added) d->queue.kick();
    return offset;
}

// With the disk's lock held and still waiting: interrupts on, one more look, then sleep until
// the interrupt handler has reaped something (it wakes every sleeper) or the deadline. The
// lock is held again on return.
void sleep_for_progress(Disk* d, uint64_t deadline) {
    ++d->sleeping;
    update_interrupts(d);
    const uint64_t seen = d->reaped;
    if (reap_all(d) && d->reaped == seen) (void)sched::wait(d->sleepers, d->lock, deadline);
    --d->sleeping;
    update_interrupts(d);
}

// One transfer: requests of at most kChunkBytes, as many in flight as the queue holds, then
// polled to completion. The disk's lock is held only to queue and to reap, not while waiting,
// so that transfers from several vCPUs are in flight together. With `op` (an asynchronous
// transfer, on the disk's list already) it returns 0 once every request is queued; the last
// completion calls op->done.
int transfer(Disk* d, uint32_t type, uint64_t sector, uint8_t* buf, uint64_t bytes, bool may_sleep,
             blk::AsyncIo* op = nullptr) {
    Waiter w{0, 0};
    const Owner owner = op != nullptr ? Owner{nullptr, op} : Owner{&w, nullptr};
    uint64_t offset = 0;
    bool first = true;
    uint64_t deadline = time_monotonic_ns() + kTimeoutNs;
    // A task that may sleep spins while no other task wants its vCPU, up to kSpinNs: a request
    // served from the host's page cache is back in tens of microseconds, less than a sleep,
    // an interrupt and a wake-up cost on the PVM host.
    const uint64_t spin_until = time_monotonic_ns() + kSpinNs;
    for (;;) {
        {
            LockGuard guard(d->lock);
            if (d->dead || !reap_all(d)) {
                // Requests of ours still in the ring are abandoned with the device.
                for (Owner& o : d->owner) {
                    if (o.w == &w) o = Owner{};
                }
                // An asynchronous write was queued on a live disk: kill() has failed it (done
                // called), as it fails every one when the disk dies.
                return op == nullptr ? -EIO : 0;
            }
            const int error = op != nullptr ? op->error : w.error;
            const int& in_flight = op != nullptr ? op->in_flight : w.in_flight;
            if (error == 0 && (offset < bytes || first)) {
                const uint64_t before = offset;
                const int was = in_flight;
                offset = submit(d, owner, type, sector, buf, offset, bytes, &first);
                // The deadline runs from our last request queued (behind an older write, that
                // write's answer is what we wait for: the device owes it as much).
                if (offset != before || in_flight != was) {
                    deadline = time_monotonic_ns() + kTimeoutNs;
                }
            }
            const bool all_queued = error != 0 || (offset >= bytes && !first);
            if (op != nullptr && all_queued) {
                op->queued = true;
                if (op->in_flight == 0) complete(d, op);
                return 0;
            }
            if (op == nullptr && w.in_flight == 0 && all_queued) return w.error;
            if (time_monotonic_ns() > deadline) {
                kprintf("guest: %s: no answer in %lu s%s\n", d->bd.name, kTimeoutNs / 1000000000,
                        d->queue.device_failed() ? " (the device needs a reset)" : "");
                kill(d);
                continue;  // abandons our requests above
            }
            if (may_sleep && d->vector != 0 &&
                (sched::others_runnable() || time_monotonic_ns() > spin_until)) {
                sleep_for_progress(d, deadline);
                continue;
            }
        }
        cpu::pause();
    }
}

Disk* disk_of(blk::BlockDevice* bd) {
    return static_cast<Disk*>(bd->priv);
}

bool in_range(blk::BlockDevice* bd, uint64_t sector, uint32_t count) {
    return sector <= bd->sectors && count <= bd->sectors - sector;
}

int blk_read(blk::BlockDevice* bd, uint64_t sector, void* buf, uint32_t count) {
    if (!in_range(bd, sector, count)) return -EIO;
    Disk* d = disk_of(bd);
    return transfer(d, kTypeIn, sector, static_cast<uint8_t*>(buf),
                    uint64_t(count) * blk::kSectorSize, false);
}

int blk_read_sleep(blk::BlockDevice* bd, uint64_t sector, void* buf, uint32_t count) {
    if (!in_range(bd, sector, count)) return -EIO;
    return transfer(disk_of(bd), kTypeIn, sector, static_cast<uint8_t*>(buf),
                    uint64_t(count) * blk::kSectorSize, true);
}

int blk_write(blk::BlockDevice* bd, uint64_t sector, const void* buf, uint32_t count) {
    if (bd->read_only) return -EROFS;
    if (!in_range(bd, sector, count)) return -EIO;
    Disk* d = disk_of(bd);
    // The device only reads the buffer (the descriptors say so).
    return transfer(d, kTypeOut, sector, const_cast<uint8_t*>(static_cast<const uint8_t*>(buf)),
                    uint64_t(count) * blk::kSectorSize, false);
}

int blk_write_sleep(blk::BlockDevice* bd, uint64_t sector, const void* buf, uint32_t count) {
    if (bd->read_only) return -EROFS;
    if (!in_range(bd, sector, count)) return -EIO;
    return transfer(disk_of(bd), kTypeOut, sector,
                    const_cast<uint8_t*>(static_cast<const uint8_t*>(buf)),
                    uint64_t(count) * blk::kSectorSize, true);
}

// Puts `op` on the disk's list (the newest); false for a dead disk.
bool enlist(Disk* d, blk::AsyncIo* op, uint64_t sector, uint32_t count, bool write) {
    LockGuard guard(d->lock);
    if (d->dead) return false;
    op->sector = sector;
    op->sectors = count;
    op->seq = ++d->async_seq;
    op->next = nullptr;
    op->in_flight = 0;
    op->error = 0;
    op->queued = false;
    op->write = write;
    if (write) ++d->async_writes;
    blk::AsyncIo** tail = &d->async;
    while (*tail != nullptr) tail = &(*tail)->next;
    *tail = op;
    update_interrupts(d);
    return true;
}

int blk_write_async(blk::BlockDevice* bd, uint64_t sector, const void* buf, uint32_t count,
                    blk::AsyncIo* op) {
    if (bd->read_only) return -EROFS;
    if (!in_range(bd, sector, count)) return -EIO;
    Disk* d = disk_of(bd);
    if (!enlist(d, op, sector, count, true)) return -EIO;
    // The device only reads the buffer (the descriptors say so).
    return transfer(d, kTypeOut, sector, const_cast<uint8_t*>(static_cast<const uint8_t*>(buf)),
                    uint64_t(count) * blk::kSectorSize, false, op);
}

int blk_read_async(blk::BlockDevice* bd, uint64_t sector, void* buf, uint32_t count,
                   blk::AsyncIo* op) {
    if (!in_range(bd, sector, count)) return -EIO;
    Disk* d = disk_of(bd);
    if (!enlist(d, op, sector, count, false)) return -EIO;
    return transfer(d, kTypeIn, sector, static_cast<uint8_t*>(buf),
                    uint64_t(count) * blk::kSectorSize, false, op);
}

int blk_drain(blk::BlockDevice* bd) {
    Disk* d = disk_of(bd);
    uint64_t deadline = time_monotonic_ns() + kTimeoutNs;
    uint64_t oldest = 0;  // seq of the oldest write out
    for (;;) {
        {
            LockGuard guard(d->lock);
            if (d->dead || !reap_all(d)) return -EIO;
            if (d->async == nullptr) return 0;
            // The oldest transfer out gets kTimeoutNs to answer (transfers queued meanwhile by
            // other instances of the disk do not keep a stuck one alive).
            if (d->async->seq != oldest) {
                oldest = d->async->seq;
                deadline = time_monotonic_ns() + kTimeoutNs;
            }
            if (time_monotonic_ns() > deadline) {
                kprintf("guest: %s: asynchronous transfers not answered in %lu s\n", d->bd.name,
                        kTimeoutNs / 1000000000);
                kill(d);
                return -EIO;
            }
        }
        cpu::pause();
    }
}

int blk_flush(blk::BlockDevice* bd) {
    Disk* d = disk_of(bd);
    // A flush covers the writes completed before it: the asynchronous ones first.
    if (const int err = blk_drain(bd); err < 0) return err;
    if (!(d->queue.features() & kFeatureFlush)) return 0;  // a write-through device
    return transfer(d, kTypeFlush, 0, nullptr, 0, false);
}

constexpr blk::BlockOps kOps = {blk_read,        blk_write,       blk_flush, blk_read_sleep,
                                blk_write_sleep, blk_write_async, blk_drain, blk_read_async};

// A disk's completion interrupt (on vCPU 0, only taken in user mode or idle): reap for every
// transfer and wake the sleepers.
void on_disk_irq(TrapFrame* frame) {
    apic::eoi();
    for (int i = 0; i < g_count; ++i) {
        Disk* d = &g_disks[i];
        if (d->vector != frame->vector) continue;
        LockGuard guard(d->lock);
        (void)reap_all(d);
        sched::wake_all(d->sleepers);
    }
}

}  // namespace

int probe_virtio_blk() {
    const domus_boot_info* bi = g_boot.info;
    if (bi == nullptr || bi->size < offsetof(domus_boot_info, virtio) + sizeof(bi->virtio)) {
        return 0;
    }
    for (uint32_t i = 0; i < bi->virtio_count && i < DOMUS_MAX_VIRTIO_DEVICES; ++i) {
        if (bi->virtio[i].device_id != kVirtioBlock || g_count == kMaxDisks) continue;
        Disk* d = &g_disks[g_count];
        const char name[] = {'v', 'd', char('a' + g_count), '\0'};
        if (!d->queue.init(bi->virtio[i].base, kVirtioBlock, kFeatureReadOnly | kFeatureFlush)) {
            kprintf("guest: %s: skipped\n", name);
            continue;
        }
        if (d->queue.free_count() < 2 + kMaxRuns) {
            kprintf("guest: %s: a queue of %u entries is too small\n", name, d->queue.free_count());
            continue;
        }
        d->slots_gpa = phys::alloc_zeroed();
        if (d->slots_gpa == 0) return g_count;
        d->slots = vmem::from_gpa<uint8_t>(d->slots_gpa);
        d->bd.ops = &kOps;
        d->bd.priv = d;
        memcpy(d->bd.name, name, sizeof name);
        d->bd.sectors = d->queue.config64(0);
        d->bd.read_only = (d->queue.features() & kFeatureReadOnly) != 0;
        d->bd.major = kMajor;
        d->bd.minor = uint32_t(g_count) * 16;
        d->vector = bi->virtio[i].vector;
        if (d->vector < VECTOR_DEVICE_BASE ||
            d->vector >= VECTOR_DEVICE_BASE + VECTOR_DEVICE_COUNT) {
            d->vector = 0;  // not one we have a gate for: poll
        }
        if (blk::register_device(&d->bd) < 0) return g_count;
        if (d->vector != 0) trap_set_irq_handler(uint8_t(d->vector), on_disk_irq);
        ++g_count;
    }
    return g_count;
}

}  // namespace dev

#include "virtio/split_queue.hpp"

#include <string>

#include "base/hex.hpp"

namespace domus::virtio {

namespace {

struct RawDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(RawDesc) == kDescBytes);

struct Area {
    uint64_t base, len;
    const char* name;
};

std::string dec(uint64_t v) {
    return std::to_string(v);
}

Error broken(std::string what) {
    return make_error(Errc::invalid_argument, "virtqueue: " + std::move(what));
}

bool overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
    return a < b + b_len && b < a + a_len;
}

uint64_t desc_bytes(uint32_t size) {
    return uint64_t{kDescBytes} * size;
}
uint64_t avail_bytes(uint32_t size) {
    return 6 + 2 * uint64_t{size};
}
uint64_t used_bytes(uint32_t size) {
    return 6 + 8 * uint64_t{size};
}

// A host pointer to `len` bytes at `gpa`; the layout was checked, so these never fail for the
// rings, but a failure is still reported rather than assumed away.
template <typename T>
const T* ring_ptr(const GuestMemory& mem, uint64_t gpa) {
    auto s = mem.span(gpa, sizeof(T));
    return s ? reinterpret_cast<const T*>(s->data()) : nullptr;
}
template <typename T>
T* ring_ptr(GuestMemory& mem, uint64_t gpa) {
    auto s = mem.span(gpa, sizeof(T));
    return s ? reinterpret_cast<T*>(s->data()) : nullptr;
}

// A data buffer: non-empty, inside RAM, clear of the queue's rings.
Status check_buffer(const GuestMemory& mem, const QueueLayout& q, uint64_t addr, uint32_t len,
                    uint16_t index, const char* what) {
    const std::string where =
        std::string(what) + " " + dec(index) + " [" + hex(addr) + ", +" + dec(len) + ")";
    if (len == 0) return broken(where + " has length 0");
    if (!mem.contains(addr, len)) {
        return broken(where + " is outside guest RAM (" + dec(mem.size()) + " bytes)");
    }
    const Area areas[] = {{q.desc, desc_bytes(q.size), "descriptor table"},
                          {q.driver, avail_bytes(q.size), "available ring"},
                          {q.device, used_bytes(q.size), "used ring"}};
    for (const Area& a : areas) {
        if (overlap(addr, len, a.base, a.len)) return broken(where + " overlaps the " + a.name);
    }
    return {};
}

}  // namespace

Status check_layout(const QueueLayout& q, uint64_t ram_bytes) {
    if (q.size == 0 || q.size > kMaxQueueSize || (q.size & (q.size - 1)) != 0) {
        return broken("queue size " + dec(q.size) + " is not a power of two in 1.." +
                      dec(kMaxQueueSize));
    }
    const Area areas[] = {{q.desc, desc_bytes(q.size), "descriptor table"},
                          {q.driver, avail_bytes(q.size), "available ring"},
                          {q.device, used_bytes(q.size), "used ring"}};
    const uint64_t align[] = {16, 2, 4};
    for (size_t i = 0; i < 3; ++i) {
        const Area& a = areas[i];
        if (a.base % align[i] != 0) {
            return broken(std::string(a.name) + " at " + hex(a.base) + " is not " + dec(align[i]) +
                          "-byte aligned");
        }
        if (a.base > ram_bytes || a.len > ram_bytes - a.base) {
            return broken(std::string(a.name) + " [" + hex(a.base) + ", +" + dec(a.len) +
                          ") is outside guest RAM (" + dec(ram_bytes) + " bytes)");
        }
    }
    for (size_t i = 0; i < 3; ++i) {
        for (size_t j = i + 1; j < 3; ++j) {
            if (overlap(areas[i].base, areas[i].len, areas[j].base, areas[j].len)) {
                return broken(std::string(areas[i].name) + " at " + hex(areas[i].base) +
                              " overlaps the " + areas[j].name + " at " + hex(areas[j].base));
            }
        }
    }
    return {};
}

Result<Chain> read_chain(const GuestMemory& mem, const QueueLayout& q, uint16_t head,
                         bool indirect) {
    if (head >= q.size) {
        return broken("chain head " + dec(head) + " is outside the queue of " + dec(q.size));
    }
    Chain c;
    c.head = head;
    uint64_t table = q.desc;
    uint32_t table_len = q.size;
    bool in_indirect = false;
    uint32_t index = head;
    uint32_t visited = 0;
    for (;;) {
        if (++visited > table_len) {
            return broken("the chain at head " + dec(head) + " has more than " + dec(table_len) +
                          " descriptors" + (in_indirect ? " in its indirect table" : "") +
                          ": a loop");
        }
        auto raw = mem.read_obj<RawDesc>(table + uint64_t{index} * kDescBytes);
        if (!raw) return broken("descriptor " + dec(index) + ": " + raw.error().message);
        const RawDesc d = *raw;  // one copy: the driver may change the table meanwhile
        const char* what = in_indirect ? "indirect descriptor" : "descriptor";
        if (d.flags & kDescIndirect) {
            if (!indirect) {
                return broken(std::string(what) + " " + dec(index) +
                              " is indirect, but VIRTIO_F_INDIRECT_DESC was not negotiated");
            }
            if (in_indirect) {
                return broken("indirect descriptor " + dec(index) + " points to another table");
            }
            if (d.flags & kDescNext) {
                return broken("descriptor " + dec(index) + " is both indirect and chained");
            }
            if (d.len % kDescBytes != 0 || d.len / kDescBytes > kMaxQueueSize) {
                return broken("indirect table of descriptor " + dec(index) + " has " + dec(d.len) +
                              " bytes (a multiple of 16, at most " +
                              dec(desc_bytes(kMaxQueueSize)) + ")");
            }
            if (auto st = check_buffer(mem, q, d.addr, d.len, uint16_t(index),
                                       "indirect table of descriptor");
                !st) {
                return st.error();
            }
            table = d.addr;
            table_len = d.len / kDescBytes;
            in_indirect = true;
            index = 0;
            visited = 0;
            continue;
        }
        if (auto st = check_buffer(mem, q, d.addr, d.len, uint16_t(index), what); !st) {
            return st.error();
        }
        if (d.flags & kDescWrite) {
            c.writable.push_back({d.addr, d.len});
            c.writable_bytes += d.len;
        } else {
            if (!c.writable.empty()) {
                return broken(std::string(what) + " " + dec(index) +
                              " is device-readable after a device-writable one");
            }
            c.readable.push_back({d.addr, d.len});
            c.readable_bytes += d.len;
        }
        if (!(d.flags & kDescNext)) return c;
        if (d.next >= table_len) {
            return broken(std::string(what) + " " + dec(index) + " chains to " + dec(d.next) +
                          ", outside its table of " + dec(table_len));
        }
        index = d.next;
    }
}

Result<std::optional<Chain>> SplitQueue::pop(const GuestMemory& mem) {
    const auto* avail_idx = ring_ptr<uint16_t>(mem, q_.driver + 2);
    if (avail_idx == nullptr) return broken("available ring outside guest RAM");
    const uint16_t published = __atomic_load_n(avail_idx, __ATOMIC_ACQUIRE);
    if (published == next_avail_) return std::optional<Chain>();
    const uint16_t pending = uint16_t(published - next_avail_);
    if (pending > q_.size) {
        return broken("the driver's available index " + dec(published) + " is " + dec(pending) +
                      " entries ahead of the device's " + dec(next_avail_) + " in a queue of " +
                      dec(q_.size));
    }
    const auto* slot = ring_ptr<uint16_t>(mem, q_.driver + 4 + 2 * uint64_t(next_avail_ % q_.size));
    if (slot == nullptr) return broken("available ring outside guest RAM");
    const uint16_t head = __atomic_load_n(slot, __ATOMIC_RELAXED);
    auto chain = read_chain(mem, q_, head, indirect_);
    if (!chain) return chain.error();
    ++next_avail_;
    return std::optional<Chain>(std::move(chain.value()));
}

Status SplitQueue::push_used(GuestMemory& mem, uint16_t head, uint32_t written) {
    struct UsedElem {
        uint32_t id, len;
    };
    auto* elem = ring_ptr<UsedElem>(mem, q_.device + 4 + 8 * uint64_t(next_used_ % q_.size));
    auto* used_idx = ring_ptr<uint16_t>(mem, q_.device + 2);
    if (elem == nullptr || used_idx == nullptr) return broken("used ring outside guest RAM");
    __atomic_store_n(&elem->id, uint32_t{head}, __ATOMIC_RELAXED);
    __atomic_store_n(&elem->len, written, __ATOMIC_RELAXED);
    ++next_used_;
    __atomic_store_n(used_idx, next_used_, __ATOMIC_RELEASE);  // the element first, then idx
    return {};
}

bool SplitQueue::should_interrupt(const GuestMemory& mem) {
    // The used index must be visible before the driver's wish is read (it may be re-arming).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    const uint16_t old = signalled_;
    signalled_ = next_used_;
    if (old == next_used_) return false;
    if (!event_idx_) {
        const auto* flags = ring_ptr<uint16_t>(mem, q_.driver);
        return flags == nullptr || !(__atomic_load_n(flags, __ATOMIC_RELAXED) & kAvailNoInterrupt);
    }
    const auto* used_event = ring_ptr<uint16_t>(mem, q_.driver + 4 + 2 * uint64_t{q_.size});
    if (used_event == nullptr) return true;
    const uint16_t event = __atomic_load_n(used_event, __ATOMIC_RELAXED);
    // Interrupt when the driver's used_event lies in (old, next_used_] (wrapping arithmetic).
    return uint16_t(next_used_ - event - 1) < uint16_t(next_used_ - old);
}

void SplitQueue::set_avail_event(GuestMemory& mem) {
    if (!event_idx_) return;
    auto* avail_event = ring_ptr<uint16_t>(mem, q_.device + 4 + 8 * uint64_t{q_.size});
    if (avail_event != nullptr) __atomic_store_n(avail_event, next_avail_, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

Result<SplitQueue> first_queue(const char* device, uint64_t features,
                               std::span<const QueueLayout> queues) {
    if (queues.empty() || queues[0].size == 0) {
        return make_error(Errc::invalid_argument,
                          std::string(device) + ": the request queue is not enabled");
    }
    return SplitQueue(queues[0], (features & kFeatureEventIdx) != 0,
                      (features & kFeatureIndirectDesc) != 0);
}

}  // namespace domus::virtio

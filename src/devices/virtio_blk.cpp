#include "devices/virtio_blk.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <time.h>

#include <algorithm>
#include <cstring>

namespace domus {

namespace {

uint64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

// The config space (virtio 1.2 section 5.2.4) up to write_zeroes_may_unmap, little-endian.
struct __attribute__((packed)) BlkConfig {
    uint64_t capacity;
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp;
    uint8_t alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback;
    uint8_t unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
    uint32_t max_write_zeroes_sectors;
    uint32_t max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    uint8_t unused1[3];
};
static_assert(sizeof(BlkConfig) == 60);

// The bytes a request moves, for the rate limiter.
uint64_t cost_bytes(const BlkRequest& r) {
    return (r.type == BlkType::in || r.type == BlkType::out) ? r.bytes : 0;
}

// Advances `iov` past `n` bytes.
void advance(std::vector<iovec>& iov, uint64_t n) {
    size_t i = 0;
    while (i < iov.size() && n >= iov[i].iov_len) n -= iov[i++].iov_len;
    iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(i));
    if (!iov.empty() && n != 0) {
        iov[0].iov_base = static_cast<uint8_t*>(iov[0].iov_base) + n;
        iov[0].iov_len -= n;
    }
}

}  // namespace

Result<std::unique_ptr<VirtioBlk>> VirtioBlk::create(DiskImage image, uint64_t ram_bytes,
                                                     const BlkLimits& limits, std::string serial) {
    std::unique_ptr<VirtioBlk> blk(
        new VirtioBlk(std::move(image), ram_bytes, limits, std::move(serial)));
    // What submit_io, note_written and arm_timer prepare, and nothing else.
    if (auto st =
            blk->ring_.init(kQueueSize, "virtio-blk",
                            {IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC,
                             IORING_OP_FALLOCATE, IORING_OP_SYNC_FILE_RANGE, IORING_OP_TIMEOUT});
        !st) {
        return st.error();
    }
    return blk;
}

VirtioBlk::VirtioBlk(DiskImage image, uint64_t ram_bytes, const BlkLimits& limits,
                     std::string serial)
    : image_(std::move(image)),
      serial_(std::move(serial)),
      transport_(*this, ram_bytes),
      slots_(kQueueSize),
      limiter_(limits.bytes_per_sec, limits.ops_per_sec, now_ns()) {
    disk_.sectors = image_.sectors();
    disk_.read_only = image_.read_only();
    disk_.max_ranges = 1;
    disk_.max_range_sectors = 0x3fffff;  // 2 GiB - 512 per discard or write-zeroes range
}

VirtioBlk::~VirtioBlk() {
    // I/O still in flight targets guest RAM, which the domain unmaps after its devices: wait
    // for it (bounded) before the ring goes.
    std::lock_guard lock(mu_);
    for (int tries = 0; in_flight_ != 0 && tries < 50; ++tries) {
        if (!ring_.wait(100)) continue;
        ring_.drain([&](uint64_t data, int32_t) {
            if (data < slots_.size() && slots_[data].busy && --slots_[data].pending <= 0) {
                slots_[data].busy = false;
                --in_flight_;
            }
        });
    }
}

uint64_t VirtioBlk::features() const {
    uint64_t f = virtio::kFeatureVersion1 | virtio::kFeatureIndirectDesc |
                 virtio::kFeatureEventIdx | kFeatureSegMax | kFeatureBlkSize | kFeatureFlush;
    if (disk_.read_only) {
        f |= kFeatureReadOnly;
    } else {
        f |= kFeatureDiscard | kFeatureWriteZeroes;
    }
    return f;
}

void VirtioBlk::read_config(uint32_t offset, std::span<uint8_t> data) {
    BlkConfig c{};
    c.capacity = disk_.sectors;
    c.seg_max = kMaxSegments;
    c.blk_size = kBlkSectorBytes;
    c.num_queues = 1;
    c.max_discard_sectors = disk_.max_range_sectors;
    c.max_discard_seg = disk_.max_ranges;
    c.discard_sector_alignment = 1;
    c.max_write_zeroes_sectors = disk_.max_range_sectors;
    c.max_write_zeroes_seg = disk_.max_ranges;
    c.write_zeroes_may_unmap = 1;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&c);
    for (size_t i = 0; i < data.size(); ++i) {
        const uint64_t at = uint64_t(offset) + i;
        data[i] = at < sizeof c ? bytes[at] : 0;
    }
}

Status VirtioBlk::activate(uint64_t features, std::span<const virtio::QueueLayout> queues) {
    auto queue = virtio::first_queue("virtio-blk", features, queues);
    if (!queue) return queue.error();
    std::lock_guard lock(mu_);
    queue_.emplace(std::move(*queue));
    return {};
}

void VirtioBlk::reset() {
    std::lock_guard lock(mu_);
    queue_.reset();
    held_.reset();
    ++generation_;  // what is in flight completes into RAM but is not returned
}

int VirtioBlk::free_slot() const {
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i].busy) return static_cast<int>(i);
    }
    return -1;
}

void VirtioBlk::note_written(uint64_t offset, uint64_t bytes) {
    behind_lo_ = std::min(behind_lo_, offset);
    behind_hi_ = std::max(behind_hi_, offset + bytes);
    behind_bytes_ += bytes;
    if (behind_bytes_ < kWriteBehindBytes) return;
    io_uring_sqe* sqe = ring_.get_sqe();
    if (sqe == nullptr) return;  // the next write tries again
    // A span past 4 GiB (scattered writes) is written back to the end of the file (len 0).
    const uint64_t span = behind_hi_ - behind_lo_;
    ::io_uring_prep_sync_file_range(sqe, image_.fd(), span > 0xffffffffu ? 0 : unsigned(span),
                                    behind_lo_, SYNC_FILE_RANGE_WRITE);
    // Its answer is not waited for: a write-back error stays on the file and the next
    // flush's fdatasync reports it to the guest.
    ::io_uring_sqe_set_data64(sqe, kWriteBehindTag);
    behind_queued_ = true;
    ++stats_.write_behind;
    behind_lo_ = ~0ull;
    behind_hi_ = behind_bytes_ = 0;
}

void VirtioBlk::arm_timer(uint64_t ns) {
    if (timer_armed_) return;
    io_uring_sqe* sqe = ring_.get_sqe();
    if (sqe == nullptr) return;  // completions will come and run pump() again
    timer_ts_.tv_sec = static_cast<long long>(ns / 1'000'000'000u);
    timer_ts_.tv_nsec = static_cast<long long>(ns % 1'000'000'000u);
    ::io_uring_prep_timeout(sqe, &timer_ts_, 0, 0);
    ::io_uring_sqe_set_data64(sqe, kTimerTag);
    timer_armed_ = true;
}

bool VirtioBlk::submit_io(Slot& slot, uint32_t index) {
    const BlkRequest& r = slot.req;
    const int fd = image_.fd();
    auto prep = [&]() -> io_uring_sqe* {
        io_uring_sqe* sqe = ring_.get_sqe();
        if (sqe != nullptr) {
            ::io_uring_sqe_set_data64(sqe, index);
            ++slot.pending;
        }
        return sqe;
    };
    const uint64_t offset = r.sector * kBlkSectorBytes + slot.done;
    switch (r.type) {
        case BlkType::in:
        case BlkType::out: {
            io_uring_sqe* sqe = prep();
            if (sqe == nullptr) return false;
            const auto n = static_cast<unsigned>(std::min<size_t>(slot.iov.size(), IOV_MAX));
            if (r.type == BlkType::in) {
                ::io_uring_prep_readv(sqe, fd, slot.iov.data(), n, offset);
            } else {
                ::io_uring_prep_writev(sqe, fd, slot.iov.data(), n, offset);
            }
            return true;
        }
        case BlkType::flush: {
            io_uring_sqe* sqe = prep();
            if (sqe == nullptr) return false;
            ::io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
            return true;
        }
        case BlkType::discard:
        case BlkType::write_zeroes:
            for (const BlkRange& range : r.ranges) {
                io_uring_sqe* sqe = prep();
                if (sqe == nullptr) return slot.pending != 0;
                int mode = FALLOC_FL_KEEP_SIZE;
                mode |= (r.type == BlkType::discard || range.unmap) ? FALLOC_FL_PUNCH_HOLE
                                                                    : FALLOC_FL_ZERO_RANGE;
                ::io_uring_prep_fallocate(sqe, fd, mode, range.sector * kBlkSectorBytes,
                                          uint64_t(range.sectors) * kBlkSectorBytes);
            }
            return true;
        case BlkType::get_id:
            break;
    }
    return false;
}

bool VirtioBlk::start(GuestMemory& mem, Slot& slot) {
    BlkRequest& r = slot.req;
    if (r.refusal != kBlkOk) {
        slot.status = r.refusal;
        return false;
    }
    if (r.type == BlkType::get_id) {
        // The serial, zero-padded to the 20 bytes the buffers hold at most.
        std::vector<uint8_t> id(size_t(r.bytes), 0);
        std::memcpy(id.data(), serial_.data(), std::min<size_t>(serial_.size(), id.size()));
        uint64_t copied = 0;
        for (const virtio::Segment& s : r.data) {
            (void)mem.write(s.gpa, std::span<const uint8_t>(id.data() + copied, s.len));
            copied += s.len;
        }
        slot.done = r.bytes;
        return false;
    }
    if (r.type == BlkType::in || r.type == BlkType::out) {
        slot.iov.clear();
        for (const virtio::Segment& s : r.data) {
            auto span = mem.span(s.gpa, s.len);  // read_chain checked it lies inside RAM
            if (!span) {
                slot.status = kBlkIoErr;
                return false;
            }
            slot.iov.push_back({span->data(), span->size()});
        }
    }
    return true;
}

void VirtioBlk::finish(GuestMemory& mem, Slot& slot, bool& broken) {
    const BlkRequest& r = slot.req;
    if (slot.generation == generation_ && queue_) {
        (void)mem.write_obj(r.status_gpa, slot.status);
        const uint64_t written = (r.type == BlkType::in || r.type == BlkType::get_id)
                                     ? (slot.status == kBlkOk ? r.bytes : 0) + 1
                                     : 1;
        if (!queue_->push_used(mem, slot.head, static_cast<uint32_t>(written))) broken = true;
        returned_ = true;
        ++stats_.requests;
        if (slot.status != kBlkOk) {
            ++stats_.errors;
        } else if (r.type == BlkType::in) {
            stats_.read_bytes += r.bytes;
        } else if (r.type == BlkType::out) {
            stats_.written_bytes += r.bytes;
        } else if (r.type == BlkType::flush) {
            ++stats_.flushes;
        }
    }
    if (slot.status == kBlkOk && r.type == BlkType::out) {
        note_written(r.sector * kBlkSectorBytes, r.bytes);
    }
    if (slot.busy) --in_flight_;
    slot = Slot{};
}

bool VirtioBlk::pump(GuestMemory& mem, bool& broken) {
    bool submitted = false;
    while (queue_ && !broken) {
        if (!held_) {
            if (in_flight_ >= slots_.size()) break;
            auto chain = queue_->pop(mem);
            if (chain && !chain->has_value()) {
                // Re-arm, then look once more: a chain added meanwhile is not left waiting.
                queue_->set_avail_event(mem);
                chain = queue_->pop(mem);
            }
            if (!chain) {
                broken = true;
                break;
            }
            if (!chain->has_value()) break;
            auto req = parse_blk_request(mem, **chain, disk_);
            if (!req) {
                broken = true;
                break;
            }
            Slot s;
            s.head = (*chain)->head;
            s.generation = generation_;
            s.req = std::move(*req);
            held_ = std::move(s);
        }
        const int index = free_slot();
        if (index < 0) break;  // old requests from before a reset still hold every slot
        if (held_->req.refusal == kBlkOk && !limiter_.unlimited()) {
            const uint64_t t = now_ns();
            if (!limiter_.admit(cost_bytes(held_->req), t)) {
                ++stats_.throttled;
                arm_timer(limiter_.retry_ns(cost_bytes(held_->req), t));
                break;
            }
        }
        Slot& slot = slots_[static_cast<size_t>(index)];
        slot = std::move(*held_);
        held_.reset();
        slot.busy = true;
        ++in_flight_;
        if (!start(mem, slot) || !submit_io(slot, static_cast<uint32_t>(index))) {
            if (slot.pending == 0) {
                if (slot.status == kBlkOk && slot.req.type != BlkType::get_id) {
                    slot.status = kBlkIoErr;  // the ring had no room: rare, and reported
                }
                finish(mem, slot, broken);
            }
        }
        submitted = true;
    }
    if (submitted || timer_armed_ || behind_queued_) ring_.submit();
    behind_queued_ = false;
    return returned_;
}

void VirtioBlk::on_completion(GuestMemory& mem, uint64_t data, int32_t res, bool& broken) {
    if (data == kTimerTag) {
        timer_armed_ = false;
        return;
    }
    if (data == kWriteBehindTag) return;
    if (data >= slots_.size()) return;
    Slot& slot = slots_[data];
    if (!slot.busy) return;
    --slot.pending;
    const BlkType type = slot.req.type;
    if (res < 0) {
        slot.status = kBlkIoErr;  // EIO, ENOSPC, EOPNOTSUPP ...: an I/O error for the guest
    } else if (type == BlkType::in || type == BlkType::out) {
        const auto n = static_cast<uint64_t>(res);
        slot.done += n;
        if (slot.done < slot.req.bytes && slot.status == kBlkOk) {
            if (n == 0) {
                // The image shrank under us (reads at its end return 0): zeros for a read
                // past it would be a lie, and a write that makes no progress is stuck.
                slot.status = kBlkIoErr;
            } else {
                advance(slot.iov, n);
                if (submit_io(slot, static_cast<uint32_t>(data))) return;
                slot.status = kBlkIoErr;
            }
        }
    }
    if (slot.pending > 0) return;
    finish(mem, slot, broken);
}

bool VirtioBlk::process(GuestMemory& mem) {
    if (!transport_.queue_live(0)) return false;
    bool broken = false, interrupt = false;
    {
        std::lock_guard lock(mu_);
        if (!queue_) return false;
        returned_ = false;
        pump(mem, broken);
        interrupt = !broken && returned_ && queue_ && queue_->should_interrupt(mem);
    }
    if (broken) {
        transport_.set_needs_reset();
        return true;
    }
    if (interrupt) transport_.raise(virtio::kInterruptUsedRing);
    return interrupt;
}

bool VirtioBlk::complete(GuestMemory& mem) {
    // The transport's lock is taken before ours (it calls activate/reset holding it), never
    // after: ask it first.
    const bool live = transport_.queue_live(0);
    bool broken = false, interrupt = false;
    {
        std::lock_guard lock(mu_);
        returned_ = false;
        ring_.drain([&](uint64_t data, int32_t res) { on_completion(mem, data, res, broken); });
        // Slots freed and the timer may have fired: take more requests.
        if (queue_ && live) pump(mem, broken);
        interrupt = !broken && returned_ && queue_ && queue_->should_interrupt(mem);
    }
    if (broken) {
        transport_.set_needs_reset();
        return true;
    }
    if (interrupt) transport_.raise(virtio::kInterruptUsedRing);
    return interrupt;
}

BlkStats VirtioBlk::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace domus

#include "devices/virtio_net.hpp"

#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace domus {

namespace {

constexpr size_t kMaxIov = 1024;  // IOV_MAX

// The iovecs covering `segs` from byte `skip` on (guest RAM the chain walk checked). false when
// there are more than the kernel takes.
bool to_iovecs(GuestMemory& mem, const std::vector<virtio::Segment>& segs, uint64_t skip,
               std::vector<iovec>& out) {
    for (const virtio::Segment& s : segs) {
        if (skip >= s.len) {
            skip -= s.len;
            continue;
        }
        auto span = mem.span(s.gpa + skip, s.len - skip);
        if (!span) return false;
        if (out.size() == kMaxIov) return false;
        out.push_back({span->data(), span->size()});
        skip = 0;
    }
    return true;
}

// Copies the first `out.size()` bytes of `segs` (false when they hold fewer).
bool gather(const GuestMemory& mem, const std::vector<virtio::Segment>& segs,
            std::span<uint8_t> out) {
    size_t done = 0;
    for (const virtio::Segment& s : segs) {
        if (done == out.size()) break;
        const size_t n = std::min<size_t>(s.len, out.size() - done);
        if (!mem.read(s.gpa, out.subspan(done, n))) return false;
        done += n;
    }
    return done == out.size();
}

// Writes `data` at byte `offset` of the writable buffers `segs`.
bool scatter(GuestMemory& mem, const std::vector<virtio::Segment>& segs, uint64_t offset,
             std::span<const uint8_t> data) {
    for (const virtio::Segment& s : segs) {
        if (data.empty()) break;
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        const size_t n = std::min<size_t>(s.len - offset, data.size());
        if (!mem.write(s.gpa + offset, data.first(n))) return false;
        data = data.subspan(n);
        offset = 0;
    }
    return data.empty();
}

}  // namespace

uint64_t VirtioNet::now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

Result<std::unique_ptr<VirtioNet>> VirtioNet::create(Tap tap, std::array<uint8_t, 6> mac,
                                                     uint64_t ram_bytes, const NetLimits& limits) {
    Fd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer.valid()) {
        return make_error(Errc::resource,
                          std::string("virtio-net: timerfd: ") + std::strerror(errno));
    }
    return std::unique_ptr<VirtioNet>(
        new VirtioNet(std::move(tap), mac, ram_bytes, std::move(timer), limits));
}

VirtioNet::VirtioNet(Tap tap, std::array<uint8_t, 6> mac, uint64_t ram_bytes, Fd timer,
                     const NetLimits& limits)
    : transport_(*this, ram_bytes),
      tap_(std::move(tap)),
      mac_(mac),
      timer_(std::move(timer)),
      limits_(limits),
      rx_limit_(limits.rx_bytes_per_sec, now_ns()),
      tx_limit_(limits.tx_bytes_per_sec, now_ns()) {}

uint64_t VirtioNet::features() const {
    return virtio::kFeatureVersion1 | virtio::kFeatureEventIdx | virtio::kFeatureIndirectDesc |
           kFeatureCsum | kFeatureGuestCsum | kFeatureMac | kFeatureGuestTso4 | kFeatureHostTso4 |
           kFeatureStatus;
}

void VirtioNet::read_config(uint32_t offset, std::span<uint8_t> data) {
    // struct virtio_net_config: mac[6], status, max_virtqueue_pairs (little-endian).
    uint8_t config[10] = {};
    std::memcpy(config, mac_.data(), 6);
    config[6] = kStatusLinkUp;
    config[8] = 1;
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = offset + i < sizeof config ? config[offset + i] : 0;
    }
}

Status VirtioNet::activate(uint64_t features, std::span<const virtio::QueueLayout> queues) {
    const auto need = [&](uint64_t feature, uint64_t requires_, const char* what) -> Status {
        if ((features & feature) && !(features & requires_)) {
            return make_error(Errc::invalid_argument, std::string("virtio-net: ") + what);
        }
        return {};
    };
    if (auto st = need(kFeatureGuestTso4, kFeatureGuestCsum, "GUEST_TSO4 without GUEST_CSUM");
        !st) {
        return st;
    }
    if (auto st = need(kFeatureHostTso4, kFeatureCsum, "HOST_TSO4 without CSUM"); !st) return st;
    if (queues.size() < 2 || queues[kRxQueue].size == 0 || queues[kTxQueue].size == 0) {
        return make_error(Errc::invalid_argument,
                          "virtio-net: the receive and transmit queues are not both enabled");
    }
    unsigned tap_offloads = 0;
    if (features & kFeatureGuestCsum) tap_offloads |= kTapOffloadCsum;
    if (features & kFeatureGuestTso4) tap_offloads |= kTapOffloadTso4;
    if (auto st = tap_.set_offloads(tap_offloads); !st) return st;
    const bool event_idx = (features & virtio::kFeatureEventIdx) != 0;
    const bool indirect = (features & virtio::kFeatureIndirectDesc) != 0;
    std::lock_guard lock(mu_);
    rxq_.emplace(queues[kRxQueue], event_idx, indirect);
    txq_.emplace(queues[kTxQueue], event_idx, indirect);
    offloads_ = {(features & kFeatureCsum) != 0, (features & kFeatureHostTso4) != 0, false};
    rx_chain_.reset();
    tx_chain_.reset();
    rx_wanted_ = true;  // look once: the driver may have given buffers already
    tx_blocked_ = false;
    rx_failed_ = false;
    return {};
}

void VirtioNet::reset() {
    {
        std::lock_guard lock(mu_);
        rxq_.reset();
        txq_.reset();
        rx_chain_.reset();
        tx_chain_.reset();
        rx_wanted_ = tx_blocked_ = false;
    }
    (void)tap_.set_offloads(0);  // frames for a driver that takes no offloads (it says again)
}

size_t VirtioNet::wait_fds(std::span<pollfd, kMaxWaitFds> out) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    short tap_events = 0;
    if (rx_wanted_ && !rx_failed_ && !timer_armed_) tap_events |= POLLIN;
    if (tx_blocked_) tap_events |= POLLOUT;
    if (tap_events != 0) out[n++] = {tap_.fd(), tap_events, 0};
    if (timer_armed_) out[n++] = {timer_.get(), POLLIN, 0};
    return n;
}

bool VirtioNet::on_ready(GuestMemory& mem, std::span<const pollfd> ready) {
    for (const pollfd& p : ready) {
        if (p.fd == timer_.get() && p.revents != 0) {
            uint64_t expirations;
            while (::read(timer_.get(), &expirations, sizeof expirations) < 0 && errno == EINTR) {
            }
            std::lock_guard lock(mu_);
            timer_armed_ = false;
        }
        if (p.fd == tap_.fd() && (p.revents & POLLOUT)) {
            std::lock_guard lock(mu_);
            tx_blocked_ = false;
        }
        if (p.fd == tap_.fd() && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            // The TAP went away under us (deleted on the host): stop polling it, or the thread
            // would spin on the error; frames to send are dropped from now on.
            std::lock_guard lock(mu_);
            if (!rx_failed_) {
                std::fprintf(stderr, "domus: virtio-net: TAP device '%s' failed (poll 0x%x)\n",
                             tap_.name().c_str(), unsigned(p.revents));
            }
            rx_failed_ = true;
            tx_blocked_ = false;
        }
    }
    return process(mem);
}

bool VirtioNet::process(GuestMemory& mem) {
    if (!transport_.queue_live(kRxQueue) || !transport_.queue_live(kTxQueue)) return false;
    // As virtio-rng: the transport's lock is never taken while ours is held.
    bool broken = false, interrupt = false;
    {
        std::lock_guard lock(mu_);
        if (!rxq_ || !txq_) return false;
        const Outcome tx = serve_tx(mem);
        const Outcome rx = tx == Outcome::broken ? Outcome::idle : serve_rx(mem);
        broken = tx == Outcome::broken || rx == Outcome::broken;
        if (!broken) {
            // Both queues' interrupt conditions are asked (each records what it signalled).
            const bool tx_irq = tx == Outcome::served && txq_->should_interrupt(mem);
            const bool rx_irq = rx == Outcome::served && rxq_->should_interrupt(mem);
            interrupt = tx_irq || rx_irq;
        }
        if (broken) {
            rx_chain_.reset();
            tx_chain_.reset();
            rx_wanted_ = tx_blocked_ = false;
        }
    }
    if (broken) {
        transport_.set_needs_reset();
        return true;
    }
    if (interrupt) transport_.raise(virtio::kInterruptUsedRing);
    return interrupt;
}

void VirtioNet::throttle(uint64_t wait_ns) {
    ++stats_.throttled;
    if (timer_armed_) return;  // the earlier wake-up looks again
    itimerspec t{};
    t.it_value.tv_sec = time_t(wait_ns / 1'000'000'000u);
    t.it_value.tv_nsec = long(wait_ns % 1'000'000'000u);
    if (t.it_value.tv_sec == 0 && t.it_value.tv_nsec == 0) t.it_value.tv_nsec = 1;
    if (::timerfd_settime(timer_.get(), 0, &t, nullptr) == 0) timer_armed_ = true;
}

VirtioNet::Outcome VirtioNet::serve_tx(GuestMemory& mem) {
    bool served = false;
    while (!tx_blocked_ && !timer_armed_) {
        if (!tx_chain_) {
            auto chain = txq_->pop(mem);
            if (chain && !chain->has_value()) {
                txq_->set_avail_event(mem);  // then look once more (a chain added meanwhile)
                chain = txq_->pop(mem);
            }
            if (!chain) return Outcome::broken;
            if (!chain->has_value()) break;
            if (!(*chain)->writable.empty()) return Outcome::broken;  // transmit is read-only
            tx_chain_ = std::move(**chain);
        }
        bool keep = false;
        const Outcome o = send_frame(mem, *tx_chain_, keep);
        if (o == Outcome::broken) return o;
        if (keep) break;  // the TAP or the limiter holds it back
        if (!txq_->push_used(mem, tx_chain_->head, 0)) return Outcome::broken;
        tx_chain_.reset();
        served = true;
    }
    return served ? Outcome::served : Outcome::idle;
}

VirtioNet::Outcome VirtioNet::send_frame(GuestMemory& mem, const virtio::Chain& c, bool& keep) {
    keep = false;
    std::array<uint8_t, kNetHdrBytes> raw{};
    if (c.readable_bytes < kNetHdrBytes || !gather(mem, c.readable, raw)) {
        ++stats_.tx_dropped;
        return Outcome::served;
    }
    const uint64_t frame_bytes = c.readable_bytes - kNetHdrBytes;
    auto hdr = check_tx_frame(decode_net_hdr(raw), frame_bytes, offloads_);
    if (!hdr) {
        ++stats_.tx_dropped;
        return Outcome::served;
    }
    const uint64_t now = now_ns();
    if (!tx_limit_.can_take(frame_bytes, now)) {
        throttle(tx_limit_.wait_ns(frame_bytes, now));
        keep = true;
        return Outcome::idle;
    }
    std::array<uint8_t, kNetHdrBytes> out_hdr{};
    encode_net_hdr(*hdr, out_hdr);
    std::vector<iovec> iov;
    iov.reserve(c.readable.size() + 1);
    iov.push_back({out_hdr.data(), out_hdr.size()});
    if (!to_iovecs(mem, c.readable, kNetHdrBytes, iov)) {
        ++stats_.tx_dropped;
        return Outcome::served;
    }
    ssize_t n;
    do {
        n = ::writev(tap_.fd(), iov.data(), int(iov.size()));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        tx_blocked_ = true;
        keep = true;
        return Outcome::idle;
    }
    if (n < 0) {  // EIO: the TAP is down; EINVAL: the host refused the header
        ++stats_.tx_dropped;
        return Outcome::served;
    }
    tx_limit_.take(frame_bytes);
    ++stats_.tx_packets;
    stats_.tx_bytes += frame_bytes;
    return Outcome::served;
}

VirtioNet::Outcome VirtioNet::serve_rx(GuestMemory& mem) {
    bool served = false;
    while (!rx_failed_ && !timer_armed_) {
        if (!rx_chain_) {
            auto chain = rxq_->pop(mem);
            if (chain && !chain->has_value()) {
                rxq_->set_avail_event(mem);
                chain = rxq_->pop(mem);
            }
            if (!chain) return Outcome::broken;
            if (!chain->has_value()) {
                rx_wanted_ = false;  // until the driver gives buffers (it notifies)
                break;
            }
            const virtio::Chain& c = **chain;
            if (!c.readable.empty() || c.writable_bytes < kNetHdrBytes) return Outcome::broken;
            rx_chain_ = std::move(**chain);
        }
        rx_wanted_ = true;
        const uint64_t now = now_ns();
        if (!rx_limit_.can_take(1, now)) {
            throttle(rx_limit_.wait_ns(1, now));
            break;
        }
        std::vector<iovec> iov;
        iov.reserve(rx_chain_->writable.size() + 1);
        if (!to_iovecs(mem, rx_chain_->writable, 0, iov) || iov.size() == kMaxIov) {
            return Outcome::broken;
        }
        // One byte past the buffer: the TAP truncates silently, so a frame that reaches it did
        // not fit.
        uint8_t past_end = 0;
        iov.push_back({&past_end, 1});
        ssize_t n;
        do {
            n = ::readv(tap_.fd(), iov.data(), int(iov.size()));
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;

        if (n < 0) {
            std::fprintf(stderr, "domus: virtio-net: reading TAP device '%s' failed: %s\n",
                         tap_.name().c_str(), std::strerror(errno));
            rx_failed_ = true;
            break;
        }
        if (uint64_t(n) < kNetHdrBytes || uint64_t(n) > rx_chain_->writable_bytes) {
            ++stats_.rx_dropped;  // larger than the buffer: the frame is gone, the buffer stays
            continue;
        }
        // The TAP writes the 10-byte legacy header and leaves num_buffers alone: one buffer.
        const uint8_t one[2] = {1, 0};
        if (!scatter(mem, rx_chain_->writable, 10, one)) return Outcome::broken;
        if (!rxq_->push_used(mem, rx_chain_->head, uint32_t(n))) return Outcome::broken;
        rx_limit_.take(uint64_t(n) - kNetHdrBytes);
        ++stats_.rx_packets;
        stats_.rx_bytes += uint64_t(n) - kNetHdrBytes;
        rx_chain_.reset();
        served = true;
    }
    return served ? Outcome::served : Outcome::idle;
}

NetStats VirtioNet::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace domus

// Domain control from the monitor: events for the guest, HC_BLOCK, pause/unpause, console
// input, and the CPU-time and uptime figures for status.
//
// Pausing: pause() sets paused_, wakes HC_BLOCK sleepers and kicks every vCPU thread out of
// KVM_RUN (immediate_exit + signal). The run loop tests paused_ before every KVM_RUN, and
// block() tests it while it waits; either way the thread parks in park_while_paused() on
// wake_, counted in parked_count_, and pause() returns once every live thread is counted.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "domus/abi/hypercall.h"
#include "vmm/domain.hpp"

namespace domus::vmm {

namespace {

constexpr auto kParkTimeout = std::chrono::seconds(5);
constexpr uint64_t kMaxBlockNs = 86400ull * 1000000000ull;  // a day: no deadline overflow

uint64_t ns_of(const timespec& ts) {
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

void Domain::post_event(uint32_t mask) {
    {
        std::lock_guard lock(mu_);
        events_ |= mask;
    }
    wake_.notify_all();
    const uint64_t irq = event_irq_.load();
    if (irq & 0xff) (void)vm_.signal_msi(static_cast<uint32_t>(irq >> 8), uint8_t(irq & 0xff));
}

bool Domain::set_event_irq(uint32_t vector, uint32_t vcpu) {
    if (vcpu >= vcpus_.size()) return false;
    event_irq_.store((uint64_t{vcpu} << 8) | (vector & 0xff));
    return true;
}

void Domain::park_while_paused(std::unique_lock<std::mutex>& lock) {
    ++parked_count_;
    parked_.notify_all();
    wake_.wait(lock, [this] { return !paused_.load() || stopping_.load(); });
    --parked_count_;
}

Status Domain::pause() {
    {
        std::lock_guard lock(mu_);
        if (stopping_.load()) return make_error(Errc::invalid_argument, "the domain is stopping");
        if (paused_.load())
            return make_error(Errc::invalid_argument, "the domain is already paused");
        paused_.store(true);
    }
    wake_.notify_all();  // vCPUs sleeping in HC_BLOCK park where they are
    kick_all();          // the others leave KVM_RUN and park before re-entering it
    std::unique_lock lock(mu_);
    const bool all = parked_.wait_for(
        lock, kParkTimeout, [this] { return stopping_.load() || parked_count_ >= live_threads_; });
    if (!all) {
        paused_.store(false);
        lock.unlock();
        wake_.notify_all();
        return make_error(Errc::resource,
                          "the vCPUs did not stop within 5 s; the domain keeps running");
    }
    return {};
}

Status Domain::unpause() {
    {
        std::lock_guard lock(mu_);
        if (!paused_.load()) return make_error(Errc::invalid_argument, "the domain is not paused");
        paused_.store(false);
    }
    wake_.notify_all();
    return {};
}

uint32_t Domain::block(uint64_t timeout_ns) {
    const bool forever = timeout_ns == DOMUS_BLOCK_FOREVER;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::nanoseconds(std::min(timeout_ns, kMaxBlockNs));
    std::unique_lock lock(mu_);
    bool timed_out = false;
    for (;;) {
        if (stopping_.load()) return 0;  // the run loop ends right after
        if (paused_.load()) {
            park_while_paused(lock);
            continue;
        }
        if (events_ != 0) return std::exchange(events_, 0u);
        if (timed_out) return 0;
        if (forever) {
            wake_.wait(lock);
        } else {
            timed_out = wake_.wait_until(lock, deadline) == std::cv_status::timeout;
        }
    }
}

size_t Domain::console_input(std::span<const uint8_t> bytes) {
    const size_t n = console_.push_input(bytes);
    if (n > 0) post_event(DOMUS_EVENT_CONSOLE_INPUT);
    return n;
}

size_t Domain::console_read(std::span<uint8_t> out) {
    size_t remaining = 0;
    const size_t n = console_.read_input(out, &remaining);
    if (remaining > 0) {
        // Keep the event pending so the guest's next BLOCK returns at once and it reads on.
        std::lock_guard lock(mu_);
        events_ |= DOMUS_EVENT_CONSOLE_INPUT;
    }
    return n;
}

Result<std::vector<CoreVcpu>> Domain::vcpu_registers() {
    std::vector<CoreVcpu> out(vcpus_.size());
    for (size_t i = 0; i < vcpus_.size(); ++i) {
        if (auto st = vcpus_[i].get_regs(out[i].regs); !st) {
            return make_error(st.error().code,
                              "vCPU " + std::to_string(i) + " registers: " + st.error().message);
        }
        if (auto st = vcpus_[i].get_sregs(out[i].sregs); !st) {
            return make_error(st.error().code, "vCPU " + std::to_string(i) +
                                                   " special registers: " + st.error().message);
        }
    }
    return out;
}

uint64_t Domain::vcpu_time_ns() const {
    if (!thread_info_) return 0;
    uint64_t total = 0;
    for (size_t i = 0; i < threads_.size(); ++i) {
        const VcpuThread& t = thread_info_[i];
        if (!t.exited.load() && t.started.load()) {
            timespec ts{};
            if (::clock_gettime(t.clock, &ts) == 0) {
                total += ns_of(ts);
                continue;
            }
        }
        total += t.final_cpu_ns.load();  // exited (or exiting while we looked)
    }
    return total;
}

uint64_t Domain::uptime_ns() const {
    if (started_ns_ == 0) return 0;
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ns_of(ts) - started_ns_;
}

}  // namespace domus::vmm

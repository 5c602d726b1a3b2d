#include "vmm/virtio_slot.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace domus::vmm {

namespace {

Result<Fd> new_eventfd(const char* what) {
    Fd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd.valid()) {
        return make_error(Errc::resource,
                          std::string("eventfd for ") + what + ": " + std::strerror(errno));
    }
    return fd;
}

void signal(int fd) {
    const uint64_t one = 1;
    ssize_t n;
    do {
        n = ::write(fd, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
}

void drain(int fd) {
    uint64_t value;
    ssize_t n;
    do {
        n = ::read(fd, &value, sizeof value);
    } while (n < 0 && errno == EINTR);
}

}  // namespace

Result<std::unique_ptr<VirtioSlot>> VirtioSlot::create(hv::Vm& vm, GuestMemory& mem,
                                                       std::unique_ptr<VirtioBackend> backend,
                                                       uint64_t base, uint8_t vector) {
    std::unique_ptr<VirtioSlot> slot(new VirtioSlot(mem, std::move(backend), base));
    auto notify = new_eventfd("a virtio doorbell");
    auto irq = new_eventfd("a virtio interrupt");
    auto stop = new_eventfd("a virtio thread");
    if (!notify) return notify.error();
    if (!irq) return irq.error();
    if (!stop) return stop.error();
    slot->notify_ = std::move(notify.value());
    slot->irq_ = std::move(irq.value());
    slot->stop_ = std::move(stop.value());
    if (auto st = vm.add_msi_irqfd(slot->irq_.get(), 0, vector); !st) {
        return make_error(st.error().code,
                          std::string(slot->backend_->name()) + ": " + st.error().message);
    }
    if (slot->backend_->wants_ioeventfd()) {
        auto st = vm.add_mmio_ioeventfd(slot->notify_.get(), base + virtio::kRegQueueNotify, 4);
        if (!st) {
            return make_error(st.error().code, std::string(slot->backend_->name()) +
                                                   ": doorbell: " + st.error().message);
        }
    }
    return slot;
}

VirtioSlot::~VirtioSlot() {
    stop();
}

void VirtioSlot::mmio(uint64_t gpa, bool is_write, std::span<uint8_t> data) {
    const auto offset = static_cast<uint32_t>(gpa - base_);
    if (is_write) {
        backend_->transport().write(offset, data);
        // QueueNotify, and also status and queue changes that may leave work (DRIVER_OK with
        // chains queued): the thread looks.
        signal(notify_.get());
    } else {
        backend_->transport().read(offset, data);
    }
}

Status VirtioSlot::start() {
    if (thread_.joinable()) return {};
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
        return make_error(Errc::resource,
                          std::string(backend_->name()) + ": cannot start its thread: " + e.what());
    }
    return {};
}

void VirtioSlot::stop() {
    if (!thread_.joinable()) return;
    signal(stop_.get());
    thread_.join();
}

uint64_t VirtioSlot::thread_cpu_ns() const {
    if (ended_.load()) return final_cpu_ns_.load();
    if (!thread_.joinable()) return 0;
    clockid_t clock;
    timespec ts{};
    if (::pthread_getcpuclockid(const_cast<std::thread&>(thread_).native_handle(), &clock) != 0 ||
        ::clock_gettime(clock, &ts) != 0) {
        return final_cpu_ns_.load();
    }
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

void VirtioSlot::run() {
    struct Record {
        VirtioSlot* slot;
        ~Record() {
            timespec ts{};
            ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
            slot->final_cpu_ns_ = uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
            slot->ended_ = true;
        }
    } record{this};
    constexpr size_t kMax = VirtioBackend::kMaxWaitFds;
    for (;;) {
        pollfd fds[2 + kMax] = {{notify_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        const size_t extra = backend_->wait_fds(std::span<pollfd, kMax>(fds + 2, kMax));
        const int n = ::poll(fds, nfds_t(2 + extra), -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || (fds[1].revents & POLLIN)) return;
        bool interrupt = false;
        bool any_ready = false;
        for (size_t i = 0; i < extra; ++i) any_ready |= fds[2 + i].revents != 0;
        if (any_ready)
            interrupt |= backend_->on_ready(mem_, std::span<const pollfd>(fds + 2, extra));
        if (fds[0].revents & POLLIN) {
            drain(notify_.get());
            interrupt |= backend_->process(mem_);
        }
        if (interrupt) signal(irq_.get());
    }
}

}  // namespace domus::vmm

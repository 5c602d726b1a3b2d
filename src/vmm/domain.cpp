// Domain lifetime: devices, vCPU threads, stopping, and the hypercall host services.
#include "vmm/domain.hpp"

#include "vmm/exit_status.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <system_error>

#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "vmm/kick.hpp"

namespace domus::vmm {

namespace {
constexpr uint16_t kCom1 = 0x3f8;
}

const char* to_string(StopReason reason) {
    switch (reason) {
        case StopReason::running:
            return "running";
        case StopReason::poweroff:
            return "poweroff";
        case StopReason::reboot:
            return "reboot";
        case StopReason::crash:
            return "crash";
        case StopReason::exit:
            return "exit";
        case StopReason::triple_fault:
            return "triple fault";
        case StopReason::vcpu_error:
            return "vcpu error";
        case StopReason::destroyed:
            return "destroyed";
    }
    return "?";
}

const char* reason_name(StopReason reason) {
    switch (reason) {
        case StopReason::triple_fault:
            return "triple_fault";
        case StopReason::vcpu_error:
            return "vcpu_error";
        default:
            return to_string(reason);
    }
}

Domain::Domain(hv::Hypervisor hv, hv::Vm vm, GuestMemory mem, hv::Backend backend)
    : hv_(std::move(hv)),
      vm_(std::move(vm)),
      mem_(std::move(mem)),
      backend_(backend),
      done_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Domain::~Domain() {
    stop();
    join();
}

void Domain::set_identity(std::string name, uint32_t id, uint64_t tsc_khz) {
    name_ = std::move(name);
    domain_id_ = id;
    tsc_khz_ = tsc_khz;
}

void Domain::set_console_fd(int fd) {
    if (console_sink_ != 0) console_.remove_sink(console_sink_);
    auto id = console_.add_sink(fd, ConsoleHub::SinkKind::blocking);
    console_sink_ = id ? *id : 0;  // the first sink always fits
}

Status Domain::set_console_log_rotation(std::string path, uint64_t max_bytes) {
    return console_.set_log_rotation(console_sink_, std::move(path), max_bytes);
}

Status Domain::set_console_log_path(std::string path) {
    return console_.set_log_path(console_sink_, std::move(path));
}

Status Domain::attach_devices() {
    uart_ = std::make_unique<Uart16550>(
        [this](std::span<const uint8_t> bytes) { console_write(bytes); }, nullptr);
    return bus_.add(kCom1, 8, uart_.get(), "uart16550 COM1");
}

Status Domain::attach_virtio(std::unique_ptr<VirtioBackend> backend, uint64_t base,
                             uint8_t vector) {
    auto slot = VirtioSlot::create(vm_, mem_, std::move(backend), base, vector);
    if (!slot) return slot.error();
    virtio_.push_back(std::move(slot.value()));
    return {};
}

std::vector<uint64_t> Domain::virtio_thread_cpu_ns() const {
    std::vector<uint64_t> out;
    for (const auto& slot : virtio_) out.push_back(slot->thread_cpu_ns());
    return out;
}

std::vector<VirtioBackend*> Domain::virtio_backends() {
    std::vector<VirtioBackend*> out;
    for (auto& slot : virtio_) out.push_back(&slot->backend());
    return out;
}

Status Domain::start() {
    if (!done_.valid()) {
        return make_error(Errc::resource, std::string("eventfd: ") + std::strerror(errno));
    }
    if (auto st = install_kick_handler(); !st) return st;
    for (auto& slot : virtio_) {
        if (auto st = slot->start(); !st) return st;
    }
    started_ns_ = time_ns(DOMUS_CLOCK_MONOTONIC);
    thread_info_ = std::make_unique<VcpuThread[]>(vcpus_.size());
    {
        std::lock_guard lock(mu_);
        live_threads_ = vcpus_.size();
    }
    threads_.reserve(vcpus_.size());
    std::latch named(static_cast<std::ptrdiff_t>(vcpus_.size()));
    for (size_t i = 0; i < vcpus_.size(); ++i) {
        // std::thread reports failure by throwing: turn it into a value, and stop the threads
        // already started (the caller's stop() + join(), or the destructor, reaps them).
        try {
            threads_.emplace_back([this, i, &named] {
                // "vcpu<N>", named by the thread itself (prctl: a confined monitor may not open
                // /proc, which naming another thread needs) before start() returns: how domusd
                // finds the thread for vcpu-pin (/proc/<pid>/task/*/comm).
                char name[16];
                std::snprintf(name, sizeof name, "vcpu%u", static_cast<unsigned>(i % 1000));
                ::prctl(PR_SET_NAME, name, 0, 0, 0);
                named.count_down();
                vcpu_thread(i);
            });
        } catch (const std::system_error& e) {
            {
                std::lock_guard lock(mu_);
                live_threads_ -= vcpus_.size() - i;
            }
            stop();
            // The threads started so far count down `named` before anything else: wait for
            // them, the latch must outlive its users.
            named.count_down(static_cast<std::ptrdiff_t>(vcpus_.size() - i));
            named.wait();
            return make_error(Errc::resource,
                              std::string("cannot start a vCPU thread: ") + e.what());
        }
    }
    named.wait();
    return {};
}

void Domain::vcpu_thread(size_t index) {
    VcpuThread& me = thread_info_[index];
    if (::pthread_getcpuclockid(::pthread_self(), &me.clock) == 0) me.started.store(true);
    run_vcpu(vcpus_[index]);
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    me.final_cpu_ns.store(static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
                          static_cast<uint64_t>(ts.tv_nsec));
    me.exited.store(true);
    {
        std::lock_guard lock(mu_);
        --live_threads_;
    }
    parked_.notify_all();
}

void Domain::kick_all() {
    // Owner thread only. A joined std::thread has no handle any more: skip it.
    for (size_t i = 0; i < threads_.size(); ++i) {
        vcpus_[i].set_immediate_exit(true);
        if (threads_[i].joinable()) kick_thread(threads_[i].native_handle());
    }
}

void Domain::finish(StopReason reason, uint32_t code, std::string detail) {
    {
        std::lock_guard lock(mu_);
        if (outcome_.reason == StopReason::running) {
            outcome_ = Outcome{reason, code, std::move(detail)};
            uint64_t one = 1;
            (void)!::write(done_.get(), &one, sizeof one);
        }
        stopping_.store(true, std::memory_order_seq_cst);
    }
    wake_.notify_all();
    parked_.notify_all();
}

void Domain::stop() {
    finish(StopReason::destroyed, 0, "stopped by the monitor");
    kick_all();
}

void Domain::join() {
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    for (auto& slot : virtio_) slot->stop();  // the guest runs no more: nothing to serve
}

Outcome Domain::outcome() const {
    std::lock_guard lock(mu_);
    return outcome_;
}

void Domain::console_write(std::span<const uint8_t> bytes) {
    console_.write(bytes);
}

void Domain::yield() {
    std::this_thread::yield();
}

void Domain::shutdown(uint32_t reason, uint32_t code) {
    switch (reason) {
        case DOMUS_SHUTDOWN_POWEROFF:
            finish(StopReason::poweroff, code, "guest powered off");
            break;
        case DOMUS_SHUTDOWN_REBOOT:
            finish(StopReason::reboot, code, "guest requested reboot");
            break;
        case DOMUS_SHUTDOWN_EXIT:
            finish(StopReason::exit, code, describe_exit_status(code));
            break;
        default:
            finish(StopReason::crash, code, "guest reported a crash");
            break;
    }
    // The other vCPUs are kicked by the owner, which wakes on outcome_fd() and calls stop().
}

uint64_t Domain::time_ns(uint32_t clock) {
    timespec ts{};
    ::clock_gettime(clock == DOMUS_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

domus_domain_info Domain::domain_info() {
    domus_domain_info info{};
    info.abi_version = DOMUS_ABI_VERSION;
    info.domain_id = domain_id_;
    info.vcpu_count = static_cast<uint32_t>(vcpus_.size());
    info.flags = backend_ == hv::Backend::pvm ? DOMUS_BOOT_FLAG_PVM_HOST : 0;
    info.memory_bytes = mem_.size();
    info.tsc_khz = tsc_khz_;
    std::strncpy(info.name, name_.c_str(), sizeof info.name - 1);
    return info;
}

}  // namespace domus::vmm

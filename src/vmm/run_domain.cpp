#include "vmm/run_domain.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/fd.hpp"
#include "boot/elf_loader.hpp"
#include "devices/virtio_blk.hpp"
#include "devices/virtio_net.hpp"
#include "devices/virtio_rng.hpp"
#include "vmm/embedded_guest.hpp"
#include "vmm/exit_status.hpp"
#include "vmm/process_setup.hpp"
#include "vmm/vm_builder.hpp"

namespace domus::vmm {

namespace {

int fail(const std::string& message, bool program) {
    std::fprintf(stderr, "domus: error: %s\n", message.c_str());
    return program ? kExitProgramPlatformError : kExitError;
}

}  // namespace

int exit_code_for(const Outcome& o, bool program) {
    if (o.reason == StopReason::exit) return shell_exit_code(o.code);
    if (program && o.reason != StopReason::poweroff && o.reason != StopReason::reboot) {
        return kExitProgramPlatformError;
    }
    switch (o.reason) {
        case StopReason::poweroff:
            return kExitPoweroff;
        case StopReason::reboot:
            return kExitReboot;
        case StopReason::crash:
            return kExitGuestCrash;
        case StopReason::triple_fault:
        case StopReason::vcpu_error:
            return kExitTripleFault;
        case StopReason::exit:  // handled above
        case StopReason::destroyed:
        case StopReason::running:
            return kExitError;
    }
    return kExitError;
}

namespace {

void report(const Outcome& o) {
    switch (o.reason) {
        case StopReason::poweroff:
            return;
        case StopReason::exit:
            if (o.code != 0) std::fprintf(stderr, "domus: %s\n", o.detail.c_str());
            return;
        case StopReason::crash:
            std::fprintf(stderr, "domus: guest crashed (code %u)\n", o.code);
            return;
        case StopReason::reboot:
            std::fprintf(stderr, "domus: guest requested a reboot (code %u); exiting\n", o.code);
            return;
        default:
            std::fprintf(stderr, "domus: %s\n", o.detail.c_str());
            return;
    }
}

// DOMUS_STATS=1: one line for bench/memory. The memfd's allocated blocks are the guest pages
// touched (by the guest or the monitor).
void print_stats(Domain& d) {
    const char* env = std::getenv("DOMUS_STATS");
    if (env == nullptr || std::strcmp(env, "1") != 0) return;
    struct stat st {};
    const long long kib = ::fstat(d.memory().memfd(), &st) == 0 ? st.st_blocks * 512LL / 1024 : -1;
    std::string devices;
    uint64_t blk_thread_ns = 0;
    const std::vector<uint64_t> thread_ns = d.virtio_thread_cpu_ns();
    size_t slot = 0;
    for (VirtioBackend* b : d.virtio_backends()) {
        const uint64_t cpu_ns = slot < thread_ns.size() ? thread_ns[slot] : 0;
        ++slot;
        if (auto* rng = dynamic_cast<VirtioRng*>(b)) {
            devices += " virtio_rng_requests=" + std::to_string(rng->requests_served()) +
                       " virtio_rng_bytes=" + std::to_string(rng->bytes_served());
        } else if (auto* blk = dynamic_cast<VirtioBlk*>(b)) {
            const BlkStats s = blk->stats();
            devices += " virtio_blk_requests=" + std::to_string(s.requests) +
                       " virtio_blk_read_bytes=" + std::to_string(s.read_bytes) +
                       " virtio_blk_written_bytes=" + std::to_string(s.written_bytes) +
                       " virtio_blk_flushes=" + std::to_string(s.flushes) +
                       " virtio_blk_errors=" + std::to_string(s.errors) +
                       " virtio_blk_throttled=" + std::to_string(s.throttled) +
                       " virtio_blk_write_behind=" + std::to_string(s.write_behind);
            blk_thread_ns += cpu_ns;
        } else if (auto* net = dynamic_cast<VirtioNet*>(b)) {
            const NetStats s = net->stats();
            devices += " virtio_net_rx_packets=" + std::to_string(s.rx_packets) +
                       " virtio_net_rx_bytes=" + std::to_string(s.rx_bytes) +
                       " virtio_net_rx_dropped=" + std::to_string(s.rx_dropped) +
                       " virtio_net_tx_packets=" + std::to_string(s.tx_packets) +
                       " virtio_net_tx_bytes=" + std::to_string(s.tx_bytes) +
                       " virtio_net_tx_dropped=" + std::to_string(s.tx_dropped) +
                       " virtio_net_throttled=" + std::to_string(s.throttled) +
                       " virtio_net_thread_cpu_ns=" + std::to_string(cpu_ns);
        }
    }
    std::fprintf(
        stderr, "domus-stats: guest_resident_kib=%lld exits=%" PRIu64 " hypercalls=%" PRIu64 "%s\n",
        kib, d.stats().exits.load(), d.stats().hypercalls.load(),
        (devices + (blk_thread_ns ? " virtio_blk_thread_cpu_ns=" + std::to_string(blk_thread_ns)
                                  : std::string()))
            .c_str());
}

}  // namespace

int run_domain(const VmConfig& config, RunInput input) {
    // SIGINT/SIGTERM are taken through a signalfd; block them before any vCPU thread exists so
    // every thread inherits the mask and only this thread sees them.
    const bool program = runs_program(config);
    auto sigfd = signal_fd_for({SIGINT, SIGTERM});
    if (!sigfd) return fail(sigfd.error().message, program);

    auto kernel_image = KernelImage::load(config.kernel_path);
    if (!kernel_image) return fail(kernel_image.error().message, program);
    const std::span<const uint8_t> kernel = kernel_image->bytes();

    Fd console_file;
    int console_fd = STDOUT_FILENO;
    if (!config.console_path.empty()) {
        console_file.reset(
            ::open(config.console_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!console_file.valid()) {
            return fail(
                "cannot open console file " + config.console_path + ": " + std::strerror(errno),
                program);
        }
        console_fd = console_file.get();
    }

    auto domain = build_domain(config, kernel, console_fd);
    if (!domain) return fail(domain.error().message, program);
    if (auto st = (*domain)->start(); !st) return fail(st.error().message, program);

    pollfd fds[3] = {
        {sigfd->get(), POLLIN, 0}, {(*domain)->outcome_fd(), POLLIN, 0}, {input.fd, POLLIN, 0}};
    int signo = 0;
    for (;;) {
        int n = ::poll(fds, input.fd >= 0 ? 3 : 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd->get(), &si, sizeof si) == sizeof si)
                signo = static_cast<int>(si.ssi_signo);
            break;
        }
        if (fds[1].revents & POLLIN) break;
        if (input.fd >= 0 && fds[2].revents) {
            uint8_t buf[4096];
            const ssize_t got = ::read(input.fd, buf, sizeof buf);
            if (got <= 0) {
                if (got < 0 && errno == EINTR) continue;
                input.fd = -1;  // end of input: the guest just sees no more bytes
                continue;
            }
            const auto bytes = std::span<const uint8_t>(buf, static_cast<size_t>(got));
            if (input.tty && std::find(bytes.begin(), bytes.end(), uint8_t{0x1d}) != bytes.end()) {
                signo = SIGINT;  // Ctrl-]: detach, which for `domus run` means tear down
                break;
            }
            (*domain)->console_input(bytes);
        }
    }
    (*domain)->stop();
    (*domain)->join();
    const Outcome outcome = (*domain)->outcome();
    print_stats(**domain);
    domain->reset();
    if (signo != 0 && outcome.reason == StopReason::destroyed) {
        std::fprintf(stderr, "domus: domain torn down on %s\n",
                     signo == SIGINT ? "SIGINT" : "SIGTERM");
        return signo == SIGINT ? kExitSigint : kExitSigterm;
    }
    report(outcome);
    return exit_code_for(outcome, program);
}

}  // namespace domus::vmm

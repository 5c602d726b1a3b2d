// The per-vCPU run loop: enter the guest, handle the exit, repeat until the domain stops.

#include "base/hex.hpp"
#include "domus/abi/hypercall.h"
#include "vmm/domain.hpp"

namespace domus::vmm {

void Domain::run_vcpu(hv::Vcpu& vcpu) {
    while (!stopping_.load(std::memory_order_acquire)) {
        if (paused_.load(std::memory_order_acquire)) {
            // pause(): park outside KVM_RUN until unpause() or stop(), then re-check both.
            std::unique_lock lock(mu_);
            if (paused_.load() && !stopping_.load()) park_while_paused(lock);
            continue;
        }
        auto exit = vcpu.run();
        if (!exit) {
            finish(StopReason::vcpu_error, vcpu.index(),
                   "vCPU " + std::to_string(vcpu.index()) + ": " + exit.error().message);
            return;
        }
        stats_.exits.fetch_add(1, std::memory_order_relaxed);
        switch (exit->kind) {
            case hv::VmExitKind::io:
                if (!handle_io(vcpu, exit->io)) return;
                break;
            case hv::VmExitKind::mmio: {
                // A virtio window, or nothing: reads see all-ones, writes are dropped.
                stats_.mmio.fetch_add(1, std::memory_order_relaxed);
                VirtioSlot* slot = nullptr;
                for (auto& s : virtio_) {
                    if (s->contains(exit->mmio.gpa)) slot = s.get();
                }
                if (slot != nullptr) {
                    slot->mmio(exit->mmio.gpa, exit->mmio.is_write, exit->mmio.data);
                } else if (!exit->mmio.is_write) {
                    for (auto& b : exit->mmio.data) b = 0xff;
                }
                break;
            }
            case hv::VmExitKind::interrupted:
                break;  // a kick: re-check stopping_ and paused_
            case hv::VmExitKind::shutdown: {
                hv::Regs regs{};
                std::string where;
                if (vcpu.get_regs(regs)) where = " at RIP " + hex(regs.rip);
                finish(StopReason::triple_fault, vcpu.index(),
                       "vCPU " + std::to_string(vcpu.index()) + " triple-faulted" + where);
                return;
            }
            default:
                finish(StopReason::vcpu_error, vcpu.index(),
                       "vCPU " + std::to_string(vcpu.index()) + ": unexpected " +
                           hv::to_string(exit->kind) + " exit (reason " +
                           std::to_string(exit->raw_reason) + ", detail " + hex(exit->detail) +
                           ")");
                return;
        }
    }
}

bool Domain::handle_io(hv::Vcpu& vcpu, const hv::IoAccess& io) {
    if (io.data.empty()) {
        finish(StopReason::vcpu_error, vcpu.index(), "vCPU I/O exit with malformed data area");
        return false;
    }
    if (io.port == DOMUS_HYPERCALL_PORT && io.is_write && io.size == 1 && io.count == 1) {
        return handle_hypercall_exit(vcpu);
    }
    // String I/O (rep outsb/insb) arrives as `count` accesses of `size` bytes.
    for (uint32_t i = 0; i < io.count; ++i) {
        auto chunk = io.data.subspan(static_cast<size_t>(i) * io.size, io.size);
        bool handled = io.is_write ? bus_.write(io.port, chunk) : bus_.read(io.port, chunk);
        if (!handled) stats_.io_unhandled.fetch_add(1, std::memory_order_relaxed);
    }
    return true;
}

bool Domain::handle_hypercall_exit(hv::Vcpu& vcpu) {
    stats_.hypercalls.fetch_add(1, std::memory_order_relaxed);
    hv::Regs fallback{};
    hv::Regs* regs = vcpu.synced_regs();
    if (regs == nullptr) {
        if (auto st = vcpu.get_regs(fallback); !st) {
            finish(StopReason::vcpu_error, vcpu.index(), st.error().message);
            return false;
        }
        regs = &fallback;
    }
    // Every value here is guest-controlled; handle_hypercall validates each one.
    HypercallArgs args{regs->rax, regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8};
    regs->rax = static_cast<uint64_t>(handle_hypercall(args, mem_, *this));
    if (regs == &fallback) {
        if (auto st = vcpu.set_regs(fallback); !st) {
            finish(StopReason::vcpu_error, vcpu.index(), st.error().message);
            return false;
        }
    } else {
        vcpu.mark_regs_dirty();
    }
    return true;
}

}  // namespace domus::vmm

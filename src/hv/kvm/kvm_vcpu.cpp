// A KVM vCPU: the run loop primitive and register access.
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "hv/hypervisor.hpp"
#include "hv/kvm/kvm_util.hpp"

namespace domus::hv {

using kvm::kvm_error;

// Regs mirrors struct kvm_regs field for field, so the two convert by copy.
static_assert(sizeof(Regs) == sizeof(kvm_regs));
static_assert(offsetof(Regs, rip) == offsetof(kvm_regs, rip));
static_assert(offsetof(Regs, r10) == offsetof(kvm_regs, r10));

namespace {

kvm_run* run_of(void* p) {
    return static_cast<kvm_run*>(p);
}

Segment from_kvm(const kvm_segment& s) {
    return Segment{s.base, s.limit, s.selector, s.type, s.present, s.dpl,
                   s.db,   s.s,     s.l,        s.g,    s.avl,     s.unusable};
}

kvm_segment to_kvm(const Segment& s) {
    kvm_segment k{};
    k.base = s.base;
    k.limit = s.limit;
    k.selector = s.selector;
    k.type = s.type;
    k.present = s.present;
    k.dpl = s.dpl;
    k.db = s.db;
    k.s = s.s;
    k.l = s.l;
    k.g = s.g;
    k.avl = s.avl;
    k.unusable = s.unusable;
    return k;
}

}  // namespace

const char* to_string(VmExitKind kind) {
    switch (kind) {
        case VmExitKind::io:
            return "port I/O";
        case VmExitKind::mmio:
            return "MMIO";
        case VmExitKind::shutdown:
            return "triple fault";
        case VmExitKind::halt:
            return "hlt";
        case VmExitKind::interrupted:
            return "interrupted";
        case VmExitKind::system_event:
            return "system event";
        case VmExitKind::fail_entry:
            return "entry failure";
        case VmExitKind::internal_error:
            return "KVM internal error";
        case VmExitKind::unknown:
            return "unknown exit";
    }
    return "?";
}

Vcpu::~Vcpu() {
    if (run_ != nullptr) ::munmap(run_, static_cast<size_t>(run_size_));
}

Vcpu::Vcpu(Vcpu&& o) noexcept
    : fd_(std::move(o.fd_)),
      run_(std::exchange(o.run_, nullptr)),
      run_size_(o.run_size_),
      index_(o.index_),
      sync_regs_(o.sync_regs_),
      synced_(o.synced_) {}

Vcpu& Vcpu::operator=(Vcpu&& o) noexcept {
    if (this != &o) {
        if (run_ != nullptr) ::munmap(run_, static_cast<size_t>(run_size_));
        fd_ = std::move(o.fd_);
        run_ = std::exchange(o.run_, nullptr);
        run_size_ = o.run_size_;
        index_ = o.index_;
        sync_regs_ = o.sync_regs_;
        synced_ = o.synced_;
    }
    return *this;
}

Result<VmExit> Vcpu::run() {
    kvm_run* r = run_of(run_);
    VmExit exit;
    if (::ioctl(fd_.get(), KVM_RUN, 0) != 0) {
        if (errno == EINTR || errno == EAGAIN) {
            __atomic_store_n(&r->immediate_exit, 0, __ATOMIC_SEQ_CST);  // kick_all() races it
            exit.kind = VmExitKind::interrupted;
            return exit;
        }
        return kvm_error("KVM_RUN");
    }
    exit.raw_reason = r->exit_reason;
    auto* bytes = reinterpret_cast<uint8_t*>(r);
    switch (r->exit_reason) {
        case KVM_EXIT_IO:
            exit.kind = VmExitKind::io;
            exit.io.port = r->io.port;
            exit.io.size = r->io.size;
            exit.io.count = r->io.count;
            exit.io.is_write = r->io.direction == KVM_EXIT_IO_OUT;
            // KVM guarantees data_offset + size*count lies inside the run page; check anyway.
            if (r->io.data_offset < static_cast<uint64_t>(run_size_) &&
                static_cast<uint64_t>(r->io.size) * r->io.count <=
                    static_cast<uint64_t>(run_size_) - r->io.data_offset) {
                exit.io.data = {bytes + r->io.data_offset,
                                static_cast<size_t>(r->io.size) * r->io.count};
            }
            break;
        case KVM_EXIT_MMIO:
            exit.kind = VmExitKind::mmio;
            exit.mmio.gpa = r->mmio.phys_addr;
            exit.mmio.len = r->mmio.len > 8 ? 8 : r->mmio.len;
            exit.mmio.is_write = r->mmio.is_write != 0;
            exit.mmio.data = {r->mmio.data, exit.mmio.len};
            break;
        case KVM_EXIT_SHUTDOWN:
            exit.kind = VmExitKind::shutdown;
            break;
        case KVM_EXIT_HLT:
            exit.kind = VmExitKind::halt;
            break;
        case KVM_EXIT_INTR:
            exit.kind = VmExitKind::interrupted;
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            exit.kind = VmExitKind::system_event;
            exit.detail = r->system_event.type;
            break;
        case KVM_EXIT_FAIL_ENTRY:
            exit.kind = VmExitKind::fail_entry;
            exit.detail = r->fail_entry.hardware_entry_failure_reason;
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            exit.kind = VmExitKind::internal_error;
            exit.detail = r->internal.suberror;
            break;
        default:
            exit.kind = VmExitKind::unknown;
            break;
    }
    if (sync_regs_) std::memcpy(&synced_, &r->s.regs.regs, sizeof(Regs));
    return exit;
}

Status Vcpu::get_regs(Regs& out) {
    kvm_regs k{};
    if (::ioctl(fd_.get(), KVM_GET_REGS, &k) != 0) return kvm_error("KVM_GET_REGS");
    std::memcpy(&out, &k, sizeof out);
    return {};
}

Status Vcpu::set_regs(const Regs& regs) {
    kvm_regs k{};
    std::memcpy(&k, &regs, sizeof k);
    if (::ioctl(fd_.get(), KVM_SET_REGS, &k) != 0) return kvm_error("KVM_SET_REGS");
    return {};
}

Status Vcpu::get_sregs(SpecialRegs& out) {
    kvm_sregs k{};
    if (::ioctl(fd_.get(), KVM_GET_SREGS, &k) != 0) return kvm_error("KVM_GET_SREGS");
    out.cs = from_kvm(k.cs);
    out.ds = from_kvm(k.ds);
    out.es = from_kvm(k.es);
    out.fs = from_kvm(k.fs);
    out.gs = from_kvm(k.gs);
    out.ss = from_kvm(k.ss);
    out.tr = from_kvm(k.tr);
    out.ldt = from_kvm(k.ldt);
    out.gdt = {k.gdt.base, k.gdt.limit};
    out.idt = {k.idt.base, k.idt.limit};
    out.cr0 = k.cr0;
    out.cr2 = k.cr2;
    out.cr3 = k.cr3;
    out.cr4 = k.cr4;
    out.cr8 = k.cr8;
    out.efer = k.efer;
    out.apic_base = k.apic_base;
    return {};
}

Status Vcpu::set_sregs(const SpecialRegs& s) {
    // Start from the current state so fields Domus does not model (interrupt bitmap) stay sane.
    kvm_sregs k{};
    if (::ioctl(fd_.get(), KVM_GET_SREGS, &k) != 0) return kvm_error("KVM_GET_SREGS");
    k.cs = to_kvm(s.cs);
    k.ds = to_kvm(s.ds);
    k.es = to_kvm(s.es);
    k.fs = to_kvm(s.fs);
    k.gs = to_kvm(s.gs);
    k.ss = to_kvm(s.ss);
    k.tr = to_kvm(s.tr);
    k.ldt = to_kvm(s.ldt);
    k.gdt.base = s.gdt.base;
    k.gdt.limit = s.gdt.limit;
    k.idt.base = s.idt.base;
    k.idt.limit = s.idt.limit;
    k.cr0 = s.cr0;
    k.cr2 = s.cr2;
    k.cr3 = s.cr3;
    k.cr4 = s.cr4;
    k.cr8 = s.cr8;
    k.efer = s.efer;
    if (s.apic_base != 0) k.apic_base = s.apic_base;
    if (::ioctl(fd_.get(), KVM_SET_SREGS, &k) != 0) return kvm_error("KVM_SET_SREGS");
    return {};
}

Status Vcpu::set_cpuid(const CpuidTable& table) {
    if (table.blob.size() < sizeof(kvm::CHeader)) {
        return make_error(Errc::invalid_argument, "empty CPUID table");
    }
    std::vector<uint8_t> copy = table.blob;  // KVM_SET_CPUID2 takes a non-const pointer
    if (::ioctl(fd_.get(), kvm::kSetCpuid2, copy.data()) != 0) return kvm_error("KVM_SET_CPUID2");
    return {};
}

Status Vcpu::set_runnable() {
    kvm_mp_state mp{};
    mp.mp_state = KVM_MP_STATE_RUNNABLE;
    if (::ioctl(fd_.get(), KVM_SET_MP_STATE, &mp) != 0) return kvm_error("KVM_SET_MP_STATE");
    return {};
}

Result<uint64_t> Vcpu::get_msr(uint32_t index) {
    alignas(8) uint8_t storage[sizeof(kvm::CHeader) + sizeof(kvm_msr_entry)] = {};
    auto* header = reinterpret_cast<kvm::CHeader*>(storage);
    auto* entry = reinterpret_cast<kvm_msr_entry*>(storage + sizeof(kvm::CHeader));
    header->count = 1;
    entry->index = index;
    int n = ::ioctl(fd_.get(), kvm::kGetMsrs, storage);
    if (n != 1) {
        return make_error(Errc::kvm, "MSR " + std::to_string(index) + " is not readable");
    }
    return static_cast<uint64_t>(entry->data);
}

Result<uint32_t> Vcpu::tsc_khz() {
    int khz = ::ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) return kvm_error("KVM_GET_TSC_KHZ");
    return static_cast<uint32_t>(khz);
}

bool Vcpu::enable_sync_regs() {
    run_of(run_)->kvm_valid_regs = KVM_SYNC_X86_REGS;
    sync_regs_ = true;
    return true;
}

Regs* Vcpu::synced_regs() {
    return sync_regs_ ? &synced_ : nullptr;
}

void Vcpu::mark_regs_dirty() {
    kvm_run* r = run_of(run_);
    std::memcpy(&r->s.regs.regs, &synced_, sizeof(Regs));
    r->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

void Vcpu::set_immediate_exit(bool on) {
    __atomic_store_n(&run_of(run_)->immediate_exit, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

}  // namespace domus::hv

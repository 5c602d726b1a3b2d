#include "arch/user.hpp"

#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"
#include "kernel/boot.hpp"
#include "mm/kpt.hpp"

extern "C" void syscall_entry();
extern "C" [[noreturn]] void hw_user_exit_sysret(TrapFrame* f);
extern "C" [[noreturn]] void hw_user_exit_iret(TrapFrame* f);
extern "C" [[noreturn]] void pvm_user_exit(TrapFrame* f);

uint64_t vmem::entry_area_to_gpa(uint64_t va) {
    return this_cpu()->entry_gpa + (va - ENTRY_AREA);
}

namespace user {

namespace {

constexpr uint32_t kMsrEfer = 0xc0000080;
constexpr uint32_t kMsrStar = 0xc0000081;
constexpr uint32_t kMsrLstar = 0xc0000082;
constexpr uint32_t kMsrFmask = 0xc0000084;
constexpr uint32_t kMsrFsBase = 0xc0000100;
constexpr uint32_t kMsrGsBase = 0xc0000101;
constexpr uint32_t kMsrKernelGsBase = 0xc0000102;

// TF, IF, DF, IOPL, NT, AC: cleared on syscall entry (Linux clears more; these matter).
constexpr uint64_t kSyscallMask = 0x47700;

constexpr uint64_t kCr4Osfxsr = 1ull << 9;
constexpr uint64_t kCr4Osxmmexcpt = 1ull << 10;
constexpr uint64_t kCr4Fsgsbase = 1ull << 16;
constexpr uint64_t kCr4Osxsave = 1ull << 18;

bool g_fsgsbase = false;
uint32_t g_xsave_size = 0;
uint64_t g_xcr0 = 0;

uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

void write_cr4(uint64_t v) {
    asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

void enable_fpu() {
    const cpu::CpuidResult leaf1 = cpu::cpuid(1);
    const cpu::CpuidResult leaf7 =
        cpu::cpuid(0, 0).eax >= 7 ? cpu::cpuid(7, 0) : cpu::CpuidResult{};
    g_fsgsbase = (leaf7.ebx & 1) != 0;
    const bool xsave = (leaf1.ecx & (1u << 26)) != 0;
    uint64_t cr4 = read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt;
    if (g_fsgsbase) cr4 |= kCr4Fsgsbase;
    if (xsave) cr4 |= kCr4Osxsave;
    write_cr4(cr4);
    if (xsave) {
        const cpu::CpuidResult d = cpu::cpuid(0xd, 0);
        const uint64_t supported = (uint64_t(d.edx) << 32) | d.eax;
        // x87, SSE, AVX: what every libc checks for. (Asking for AVX-512 too made this PVM
        // host stop the vCPU with an emulation failure.)
        const uint64_t wanted = supported & 0x7;
        asm volatile("xsetbv" ::"c"(0), "a"(uint32_t(wanted)), "d"(uint32_t(wanted >> 32)));
        // What is really enabled decides what a context switch must save: on the PVM host
        // XCR0 stays the host's (xgetbv, which user code sees too, reads it back), so AVX-512
        // may be live even though we asked for less. Save x87/SSE/AVX and the AVX-512 parts
        // (bits 5-7) that are on; never AMX or PKRU (the host stops the vCPU on those).
        uint32_t lo, hi;
        asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        g_xcr0 = ((uint64_t(hi) << 32) | lo) & 0xe7;
        g_xsave_size = 576;  // legacy area + header
        for (uint32_t component = 2; component < 8; ++component) {
            if (!(g_xcr0 & (1u << component))) continue;
            const cpu::CpuidResult c = cpu::cpuid(0xd, component);  // eax size, ebx offset
            if (c.ebx + c.eax > g_xsave_size) g_xsave_size = c.ebx + c.eax;
        }
    }
}

}  // namespace

void init_cpu(PerCpu* cpu) {
    EntryPage* entry = vmem::from_gpa<EntryPage>(kpt::entry_area_gpa(cpu->index));
    cpu->entry = entry;
    cpu->entry_gpa = kpt::entry_area_gpa(cpu->index);
    entry->cpu = cpu;
    entry->flag_word = cpu->pvm_irq_flag;
    cpu->kernel_cr3 = kpt::new_kernel_root(cpu->index);
    entry->kernel_cr3 = cpu->kernel_cr3;
    entry->user_cr3 = cpu->kernel_cr3;  // until a process runs here
    kpt::load_cr3(cpu->kernel_cr3);
    tss_use_entry_area(cpu);

    cpu::wrmsr(kMsrEfer, cpu::rdmsr(kMsrEfer) | 1);  // SCE (ignored on PVM, needed on hardware)
    cpu::wrmsr(kMsrStar, (uint64_t(GDT_USER_CS32) << 48) | (uint64_t(GDT_KERNEL_CS) << 32));
    cpu::wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&syscall_entry));
    cpu::wrmsr(kMsrFmask, kSyscallMask);
    enable_fpu();
    cpu->user_gs_shadow = cpu::rdmsr(kMsrKernelGsBase);
}

bool has_fsgsbase() {
    return g_fsgsbase;
}

uint32_t xsave_size() {
    return g_xsave_size;
}

uint64_t xcr0() {
    return g_xcr0;
}

uint64_t read_fs_base() {
    if (!g_fsgsbase) return cpu::rdmsr(kMsrFsBase);
    uint64_t v;
    asm volatile("rdfsbase %0" : "=r"(v));
    return v;
}

uint64_t read_gs_base() {
    if (!g_fsgsbase) return cpu::rdmsr(kMsrGsBase);
    uint64_t v;
    asm volatile("rdgsbase %0" : "=r"(v));
    return v;
}

void write_fs_base(uint64_t value) {
    if (!g_fsgsbase) return cpu::wrmsr(kMsrFsBase, value);
    asm volatile("wrfsbase %0" ::"r"(value) : "memory");
}

void write_gs_base(uint64_t value) {
    if (!g_fsgsbase) return cpu::wrmsr(kMsrGsBase, value);
    asm volatile("wrgsbase %0" ::"r"(value) : "memory");
}

uint64_t sanitize_rflags(uint64_t rflags) {
    constexpr uint64_t kUserBits = 0xcd5;  // CF PF AF ZF SF TF DF OF
    constexpr uint64_t kAc = 1u << 18, kId = 1u << 21;
    return (rflags & (kUserBits | kAc | kId)) | 0x202;  // IF and the reserved bit 1
}

void exit_to_user(TrapFrame* f, bool all) {
    PerCpu* cpu = this_cpu();
    f->rflags = sanitize_rflags(f->rflags);
    f->cs = GDT_USER_CS;
    f->ss = GDT_USER_DS;
    // sysretq to a non-canonical RIP faults in kernel mode on Intel: never let it happen. The
    // PVM trampoline is the one upper-half address user code may be interrupted at.
    if (!is_user_address(f->rip) && !(g_boot.pvm_host && pvm_user::in_trampoline(f->rip))) {
        f->rip = 0;  // faults in user mode instead (SIGSEGV)
    }
    if (g_boot.pvm_host) {
        pvm_user::sync_gs_for_sysret(cpu);
        if (all && !pvm_user::prepare_full_restore(f)) f->rip = 0;
        pvm_user_exit(f);
    }
    if (all) hw_user_exit_iret(f);
    hw_user_exit_sysret(f);
}

}  // namespace user

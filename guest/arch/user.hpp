// Ring 3 support common to both hosts: per-vCPU set-up of the kernel page tables, the entry
// area, the system call MSRs and the FPU; and the one way back to user mode. What differs on
// the PVM host is in arch/pvm_user.{S,cpp}, chosen at boot from the boot-info flag.
#pragma once

#include <stdint.h>

struct PerCpu;
struct TrapFrame;

namespace user {

// Once per vCPU, after kpt::init: loads the vCPU's kernel-only page table, points its TSS at
// the entry area, programs STAR/LSTAR/FMASK, enables SSE/AVX state (CR4, XCR0).
void init_cpu(PerCpu* cpu);

// CPU features the kernel found at boot (for user-visible state and auxv).
bool has_fsgsbase();
uint32_t xsave_size();  // bytes of an XSAVE area for the enabled features, 0 without XSAVE
uint64_t xcr0();

// Loads the user page table `user_cr3` and returns to user mode with the registers in `f`
// (which must be the TrapFrame at the top of the current thread's kernel stack). `all`:
// restore RCX and R11 too (not needed after a system call). Interrupts must be masked.
[[noreturn]] void exit_to_user(TrapFrame* f, bool all);

// Thread FS/GS bases (user-writable at any time with wrfsbase/wrgsbase).
uint64_t read_fs_base();
uint64_t read_gs_base();
void write_fs_base(uint64_t value);
void write_gs_base(uint64_t value);

// Makes a user RFLAGS value safe to load: IF set, IOPL 0, no NT/RF/VM/VIF/VIP.
uint64_t sanitize_rflags(uint64_t rflags);

// True for a canonical lower-half (user) address.
inline bool is_user_address(uint64_t va) {
    return va < 0x0000800000000000ull;
}

}  // namespace user

// PVM host specifics of the user exit (arch/pvm_user.cpp).
namespace pvm_user {
// Prepares `f` for pvm_user_exit: with `all`, stores RCX, R11 and RIP below the user's red
// zone and redirects to the trampoline; false when the user stack cannot take them.
bool prepare_full_restore(TrapFrame* f);
// True for an address inside the trampoline: user code interrupted there is resumed there.
bool in_trampoline(uint64_t rip);
// Keeps KERNEL_GS_BASE equal to the user's GS base so sysretq's swap changes nothing.
void sync_gs_for_sysret(PerCpu* cpu);
}  // namespace pvm_user

// PVM host: preparing frames for the sysretq-only return to user mode (arch/pvm_user.S).
#include "arch/cpu.hpp"
#include "arch/percpu.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"
#include "mm/usercopy.hpp"

extern "C" const char pvm_user_trampoline[], pvm_user_trampoline_end[];

namespace pvm_user {

bool prepare_full_restore(TrapFrame* f) {
    // Below the 128-byte red zone: RCX, R11, RIP, then `ret $128` lands on the user's RSP.
    const uint64_t slot = f->rsp - 128 - 24;
    const uint64_t words[3] = {f->rcx, f->r11, f->rip};
    if (f->rsp < 256 || !user::is_user_address(f->rsp)) return false;
    if (copy_to_user(slot, words, sizeof(words)) != 0) return false;
    f->rip = reinterpret_cast<uint64_t>(pvm_user_trampoline);
    f->rsp = slot;
    return true;
}

bool in_trampoline(uint64_t rip) {
    return rip >= reinterpret_cast<uint64_t>(pvm_user_trampoline) &&
           rip < reinterpret_cast<uint64_t>(pvm_user_trampoline_end);
}

void sync_gs_for_sysret(PerCpu* cpu) {
    const uint64_t gs = user::read_gs_base();
    if (gs != cpu->user_gs_shadow) {
        cpu::wrmsr(0xc0000102, gs);  // KERNEL_GS_BASE (trapped: only when the user changed GS)
        cpu->user_gs_shadow = gs;
    }
}

}  // namespace pvm_user

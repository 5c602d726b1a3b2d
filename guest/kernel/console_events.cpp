#include "kernel/console_events.hpp"

#include "arch/apic.hpp"
#include "arch/layout.h"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"
#include "dev/tty.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"
#include "proc/process.hpp"

namespace {

char g_input[1024];  // vCPU 0 only, interrupts masked while in use

void signal_init(int signo) {
    LockGuard guard(proc::lock());
    if (Process* init = proc::find(1)) {
        proc::send_to_process(init, signo, SigInfo{signo, sig::SI_KERNEL, 0, 0, 0});
    }
}

void handle(uint32_t mask) {
    if (mask & DOMUS_EVENT_CONSOLE_INPUT) {
        for (;;) {
            const int64_t n = hc::console_read(vmem::to_gpa(g_input), sizeof(g_input));
            if (n <= 0) break;
            dev::tty_input(g_input, size_t(n));
        }
    }
    if (mask & DOMUS_EVENT_SHUTDOWN_REQUEST) signal_init(sig::SIGTERM);
    if (mask & DOMUS_EVENT_REBOOT_REQUEST) signal_init(sig::SIGINT);
}

void on_event(TrapFrame*) {
    apic::eoi();
    const int64_t mask = hc::block(0);
    if (mask > 0) handle(uint32_t(mask));
}

}  // namespace

void console_events_init() {
    if (!platform_is_domus()) return;
    trap_set_irq_handler(VECTOR_EVENT, on_event);
    hc::call(DOMUS_HC_EVENT_IRQ, VECTOR_EVENT, 0);
    // Events posted before the interrupt was set up (or taken by a platform wait): now.
    const int64_t pending = hc::block(0);
    handle(platform_take_events() | (pending > 0 ? uint32_t(pending) : 0u));
}

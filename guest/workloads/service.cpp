// service: a long-running guest for the control plane (domus-vmm / domusd). Console lines:
//   service: started
//   service: heartbeat <n>                      once per second, n = 1, 2, ...
//   service: input: <line>                      each complete console input line, echoed
//   service: shutdown requested, powering off   then HC_SHUTDOWN(POWEROFF, 0)
//   service: reboot requested                   then HC_SHUTDOWN(REBOOT, 0)
// It sleeps in HC_BLOCK until the next beat or a monitor event (never busy-polls). Input lines
// longer than kLineMax are echoed in kLineMax-byte pieces. Under QEMU/PVH there are no events:
// it only beats.
#include "arch/vmem.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"
#include "workloads/workloads.hpp"

namespace {

constexpr uint64_t kBeatNs = 1'000'000'000;
constexpr size_t kLineMax = 256;
constexpr int kMaxReadsPerEvent = 16;  // input left over keeps the event pending

// In .bss: vmem::to_gpa() gives the GPA HC_CONSOLE_READ writes to.
char g_read[1024];
char g_line[kLineMax];
size_t g_line_length = 0;

void echo_line() {
    size_t n = g_line_length;
    if (n > 0 && g_line[n - 1] == '\r') --n;
    kprintf("service: input: %.*s\n", int(n), g_line);
    g_line_length = 0;
}

void take_input(const char* bytes, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (bytes[i] == '\n') {
            echo_line();
            continue;
        }
        if (g_line_length == kLineMax) echo_line();
        g_line[g_line_length++] = bytes[i];
    }
}

void drain_console() {
    for (int i = 0; i < kMaxReadsPerEvent; ++i) {
        const int64_t n = hc::console_read(vmem::to_gpa(g_read), sizeof(g_read));
        if (n <= 0 || uint64_t(n) > sizeof(g_read)) return;
        take_input(g_read, size_t(n));
    }
}

}  // namespace

WorkloadExit run_service(const Options&) {
    kprintf("service: started\n");
    uint64_t beat = 0;
    uint64_t next = clock_ns() + kBeatNs;
    for (;;) {
        const uint64_t now = clock_ns();
        if (now >= next) {
            kprintf("service: heartbeat %lu\n", ++beat);
            next += kBeatNs;
            if (next <= now) next = now + kBeatNs;  // after a pause: one beat, not a burst
            continue;
        }
        if (!platform_is_domus()) {
            platform_wait_ns(next - now);
            continue;
        }
        const int64_t events = hc::block(next - now);
        if (events <= 0) continue;  // the timeout (or an error): time for the next beat
        if (events & DOMUS_EVENT_CONSOLE_INPUT) drain_console();
        if (events & DOMUS_EVENT_SHUTDOWN_REQUEST) {
            kprintf("service: shutdown requested, powering off\n");
            return {DOMUS_SHUTDOWN_POWEROFF, 0};
        }
        if (events & DOMUS_EVENT_REBOOT_REQUEST) {
            kprintf("service: reboot requested\n");
            return {DOMUS_SHUTDOWN_REBOOT, 0};
        }
    }
}

// Why a vCPU stopped running guest code: the small vocabulary the run loop works with.
#pragma once

#include <cstdint>
#include <span>

namespace domus::hv {

enum class VmExitKind {
    io,              // port I/O the monitor must handle (hypercalls, UART)
    mmio,            // a guest physical access outside RAM
    shutdown,        // triple fault: the guest's CPU reset itself
    halt,            // hlt without an in-kernel irqchip (not expected with one)
    interrupted,     // KVM_RUN returned EINTR: a kick, re-check the domain state
    system_event,    // the guest asked the hypervisor to reset or power off (PSCI-style)
    fail_entry,      // the hardware refused to enter the guest
    internal_error,  // KVM's emulator gave up
    unknown,         // any other exit reason (kept numerically in `raw_reason`)
};

const char* to_string(VmExitKind kind);

struct IoAccess {
    uint16_t port = 0;
    uint8_t size = 0;  // 1, 2 or 4 bytes
    uint32_t count = 0;
    bool is_write = false;
    std::span<uint8_t> data;  // count * size bytes inside the shared run page
};

struct MmioAccess {
    uint64_t gpa = 0;
    uint32_t len = 0;
    bool is_write = false;
    std::span<uint8_t> data;  // len bytes inside the shared run page
};

struct VmExit {
    VmExitKind kind = VmExitKind::unknown;
    uint32_t raw_reason = 0;
    uint64_t detail = 0;  // hardware reason / suberror / system event type
    IoAccess io;
    MmioAccess mmio;
};

}  // namespace domus::hv

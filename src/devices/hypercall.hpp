// Hypercall decoding and dispatch, following include/domus/abi/hypercall.h. Every argument is
// guest-controlled: decoding validates numbers, ranges and enums, and a bad call only ever
// yields a negative DOMUS_E* errno, never a crash or an access outside guest RAM.
#pragma once

#include <cstdint>
#include <span>
#include <variant>

#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "memory/guest_memory.hpp"

namespace domus {

// The raw registers of one hypercall: RAX, RDI, RSI, RDX, R10, R8.
struct HypercallArgs {
    uint64_t nr, a0, a1, a2, a3, a4;
};

namespace hc {
struct Version {};
struct ConsoleWrite {
    uint64_t gpa, len;  // len <= DOMUS_CONSOLE_WRITE_MAX; the range is in RAM unless len == 0
};
struct Yield {};
struct Block {
    uint64_t timeout_ns;  // DOMUS_BLOCK_FOREVER blocks without a timeout
};
struct Shutdown {
    uint32_t reason, code;
};
struct Time {
    uint32_t clock;
};
struct DomainInfo {
    uint64_t gpa, len;  // len >= sizeof(domus_domain_info); [gpa, gpa + sizeof) is in RAM
};
struct ConsoleRead {
    uint64_t gpa, len;  // len <= DOMUS_CONSOLE_WRITE_MAX; the range is in RAM unless len == 0
};
struct EventIrq {
    uint32_t vector;  // 0 (off) or 32..255
    uint32_t vcpu;    // checked by the host against the domain's vCPU count
};
}  // namespace hc

using HypercallRequest =
    std::variant<hc::Version, hc::ConsoleWrite, hc::Yield, hc::Block, hc::Shutdown, hc::Time,
                 hc::DomainInfo, hc::ConsoleRead, hc::EventIrq>;

// True for a wait(2) status word a guest may report with DOMUS_SHUTDOWN_EXIT: an exit status
// (0..255) << 8, or a signal number 1..64 (with the core-dump bit 0x80 or not).
bool valid_exit_status(uint32_t status);

// Pure: validates the number and arguments against a guest of `guest_ram_bytes` bytes of RAM
// at GPA 0. Returns the request, or a negative DOMUS_E* errno. Unused argument registers are
// ignored.
std::variant<HypercallRequest, int64_t> decode_hypercall(const HypercallArgs& args,
                                                         uint64_t guest_ram_bytes);

// Implemented by the VMM, one per domain, called from vCPU threads (concurrently).
class HypercallHost {
  public:
    virtual ~HypercallHost() = default;
    virtual void console_write(std::span<const uint8_t> bytes) = 0;
    virtual void yield() = 0;
    virtual uint32_t block(uint64_t timeout_ns) = 0;            // DOMUS_EVENT_* mask, 0 on timeout
    virtual void shutdown(uint32_t reason, uint32_t code) = 0;  // records; the vCPU loop stops
    virtual uint64_t time_ns(uint32_t clock) = 0;
    virtual domus_domain_info domain_info() = 0;
    // Moves up to out.size() bytes of pending console input into `out`; returns how many.
    virtual size_t console_read(std::span<uint8_t> out) = 0;
    // From now on raise `vector` on vCPU `vcpu` whenever an event is posted (0: stop).
    // false when the vCPU does not exist.
    virtual bool set_event_irq(uint32_t vector, uint32_t vcpu) = 0;
};

// Decodes, validates against `mem`, performs the call and returns the value for RAX: >= 0 on
// success, -DOMUS_E* on failure. SHUTDOWN returns 0 after host.shutdown(); TIME values above
// INT64_MAX are clamped to it; DOMAIN_INFO forces the name NUL-terminated before writing;
// CONSOLE_READ never reports more bytes than it asked the host for.
int64_t handle_hypercall(const HypercallArgs& args, GuestMemory& mem, HypercallHost& host);

}  // namespace domus

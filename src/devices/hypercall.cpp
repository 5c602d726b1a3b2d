#include "devices/hypercall.hpp"

#include <limits>
#include <type_traits>
#include <utility>

namespace domus {

namespace {

constexpr int64_t err(int e) {
    return -static_cast<int64_t>(e);
}

// True when [gpa, gpa + len) lies inside RAM of `ram` bytes at GPA 0. Overflow-safe.
constexpr bool in_ram(uint64_t gpa, uint64_t len, uint64_t ram) {
    return gpa <= ram && len <= ram - gpa;
}

constexpr bool fits_u32(uint64_t v) {
    return v <= std::numeric_limits<uint32_t>::max();
}

}  // namespace

std::variant<HypercallRequest, int64_t> decode_hypercall(const HypercallArgs& args,
                                                         uint64_t guest_ram_bytes) {
    switch (args.nr) {
        case DOMUS_HC_VERSION:
            return HypercallRequest{hc::Version{}};
        case DOMUS_HC_CONSOLE_WRITE:
        case DOMUS_HC_CONSOLE_READ: {
            const uint64_t gpa = args.a0, len = args.a1;
            if (len > DOMUS_CONSOLE_WRITE_MAX) return err(DOMUS_E2BIG);
            if (len != 0 && !in_ram(gpa, len, guest_ram_bytes)) return err(DOMUS_EFAULT);
            if (args.nr == DOMUS_HC_CONSOLE_READ)
                return HypercallRequest{hc::ConsoleRead{gpa, len}};
            return HypercallRequest{hc::ConsoleWrite{gpa, len}};
        }
        case DOMUS_HC_YIELD:
            return HypercallRequest{hc::Yield{}};
        case DOMUS_HC_BLOCK:
            return HypercallRequest{hc::Block{args.a0}};
        case DOMUS_HC_SHUTDOWN: {
            if (!fits_u32(args.a0) || !fits_u32(args.a1)) return err(DOMUS_EINVAL);
            const auto reason = static_cast<uint32_t>(args.a0);
            if (reason != DOMUS_SHUTDOWN_POWEROFF && reason != DOMUS_SHUTDOWN_REBOOT &&
                reason != DOMUS_SHUTDOWN_CRASH && reason != DOMUS_SHUTDOWN_EXIT) {
                return err(DOMUS_EINVAL);
            }
            if (reason == DOMUS_SHUTDOWN_EXIT &&
                !valid_exit_status(static_cast<uint32_t>(args.a1))) {
                return err(DOMUS_EINVAL);
            }
            return HypercallRequest{hc::Shutdown{reason, static_cast<uint32_t>(args.a1)}};
        }
        case DOMUS_HC_TIME:
            if (args.a0 != DOMUS_CLOCK_REALTIME && args.a0 != DOMUS_CLOCK_MONOTONIC) {
                return err(DOMUS_EINVAL);
            }
            return HypercallRequest{hc::Time{static_cast<uint32_t>(args.a0)}};
        case DOMUS_HC_DOMAIN_INFO: {
            const uint64_t gpa = args.a0, len = args.a1;
            if (len < sizeof(domus_domain_info)) return err(DOMUS_EINVAL);
            if (!in_ram(gpa, sizeof(domus_domain_info), guest_ram_bytes)) {
                return err(DOMUS_EFAULT);
            }
            return HypercallRequest{hc::DomainInfo{gpa, len}};
        }
        case DOMUS_HC_EVENT_IRQ:
            if ((args.a0 != 0 && (args.a0 < 32 || args.a0 > 255)) || !fits_u32(args.a1)) {
                return err(DOMUS_EINVAL);
            }
            return HypercallRequest{
                hc::EventIrq{static_cast<uint32_t>(args.a0), static_cast<uint32_t>(args.a1)}};
        default:
            return err(DOMUS_ENOSYS);
    }
}

bool valid_exit_status(uint32_t status) {
    if ((status & 0x7f) == 0) return status <= 0xff00 && (status & 0xff) == 0;
    return status <= 0xff && (status & 0x7f) <= 64;
}

namespace {

struct Performer {
    GuestMemory& mem;
    HypercallHost& host;

    int64_t operator()(const hc::Version&) const { return DOMUS_ABI_VERSION; }

    int64_t operator()(const hc::ConsoleWrite& c) const {
        if (c.len == 0) return 0;
        auto bytes = std::as_const(mem).span(c.gpa, c.len);
        if (!bytes) return err(DOMUS_EFAULT);  // decode checked; this is belt and braces
        host.console_write(*bytes);
        return static_cast<int64_t>(c.len);
    }

    int64_t operator()(const hc::Yield&) const {
        host.yield();
        return 0;
    }

    int64_t operator()(const hc::Block& b) const { return host.block(b.timeout_ns); }

    int64_t operator()(const hc::Shutdown& s) const {
        host.shutdown(s.reason, s.code);
        return 0;
    }

    int64_t operator()(const hc::Time& t) const {
        const uint64_t ns = host.time_ns(t.clock);
        constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        return static_cast<int64_t>(ns > kMax ? kMax : ns);
    }

    int64_t operator()(const hc::DomainInfo& d) const {
        domus_domain_info info = host.domain_info();
        info.name[sizeof info.name - 1] = '\0';
        if (!mem.write_obj(d.gpa, info)) return err(DOMUS_EFAULT);
        return static_cast<int64_t>(sizeof info);
    }

    int64_t operator()(const hc::EventIrq& e) const {
        return host.set_event_irq(e.vector, e.vcpu) ? 0 : err(DOMUS_EINVAL);
    }

    int64_t operator()(const hc::ConsoleRead& c) const {
        if (c.len == 0) return 0;
        auto out = mem.span(c.gpa, c.len);
        if (!out) return err(DOMUS_EFAULT);  // decode checked; this is belt and braces
        const size_t n = host.console_read(*out);
        return static_cast<int64_t>(n > c.len ? c.len : n);
    }
};

}  // namespace

int64_t handle_hypercall(const HypercallArgs& args, GuestMemory& mem, HypercallHost& host) {
    auto decoded = decode_hypercall(args, mem.size());
    if (const auto* e = std::get_if<int64_t>(&decoded)) return *e;
    return std::visit(Performer{mem, host}, std::get<HypercallRequest>(decoded));
}

}  // namespace domus

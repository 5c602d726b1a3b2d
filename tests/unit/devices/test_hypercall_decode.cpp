// decode_hypercall: every number, every error, the range boundaries.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "devices/hypercall.hpp"

namespace domus {
namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kInfo = sizeof(domus_domain_info);

// Unused registers default to zero.
HypercallArgs A(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                uint64_t a4 = 0) {
    return {nr, a0, a1, a2, a3, a4};
}

int64_t err_of(const HypercallArgs& a, uint64_t ram = kRam) {
    auto r = decode_hypercall(a, ram);
    if (const auto* e = std::get_if<int64_t>(&r)) return *e;
    return 0;
}

template <typename T>
T req_of(const HypercallArgs& a, uint64_t ram = kRam) {
    auto r = decode_hypercall(a, ram);
    const auto* req = std::get_if<HypercallRequest>(&r);
    EXPECT_NE(req, nullptr) << "error " << err_of(a, ram);
    if (req == nullptr) return T{};
    const T* t = std::get_if<T>(req);
    EXPECT_NE(t, nullptr) << "wrong request kind " << req->index();
    return t != nullptr ? *t : T{};
}

TEST(DecodeHypercall, Version) {
    req_of<hc::Version>(A(DOMUS_HC_VERSION, kMax, kMax, kMax, kMax, kMax));
}

TEST(DecodeHypercall, ConsoleWriteValid) {
    auto c = req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, 0x1000, 12, 0, 0, 0));
    EXPECT_EQ(c.gpa, 0x1000u);
    EXPECT_EQ(c.len, 12u);
}

TEST(DecodeHypercall, ConsoleWriteMaxLength) {
    auto c = req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, 0, DOMUS_CONSOLE_WRITE_MAX));
    EXPECT_EQ(c.len, DOMUS_CONSOLE_WRITE_MAX);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, 0, DOMUS_CONSOLE_WRITE_MAX + 1)), -DOMUS_E2BIG);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, 0, kMax)), -DOMUS_E2BIG);
}

TEST(DecodeHypercall, ConsoleWriteTooBigBeatsFault) {
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kMax, kMax)), -DOMUS_E2BIG);
}

TEST(DecodeHypercall, ConsoleWriteBoundaries) {
    EXPECT_EQ(req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, kRam - 1, 1)).len, 1u);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kRam - 1, 2)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kRam, 1)), -DOMUS_EFAULT);
    EXPECT_EQ(req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, kRam - 16, 16)).gpa, kRam - 16);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kRam - 16, 17)), -DOMUS_EFAULT);
}

TEST(DecodeHypercall, ConsoleWriteZeroLengthIsAlwaysAccepted) {
    EXPECT_EQ(req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, kRam, 0)).len, 0u);
    EXPECT_EQ(req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, kMax, 0)).len, 0u);
}

TEST(DecodeHypercall, ConsoleWriteWrappingRange) {
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kMax, 1)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kMax - 10, 100)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kMax - DOMUS_CONSOLE_WRITE_MAX + 2,
                       DOMUS_CONSOLE_WRITE_MAX)),
              -DOMUS_EFAULT);
    // A guest with RAM reaching the top of the address space still cannot wrap.
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, kMax, 2), kMax), -DOMUS_EFAULT);
    EXPECT_EQ(req_of<hc::ConsoleWrite>(A(DOMUS_HC_CONSOLE_WRITE, kMax - 1, 1), kMax).len, 1u);
}

TEST(DecodeHypercall, ZeroRamRejectsEverything) {
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_WRITE, 0, 1), 0), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, 0, kInfo), 0), -DOMUS_EFAULT);
}

TEST(DecodeHypercall, Yield) {
    req_of<hc::Yield>(A(DOMUS_HC_YIELD, 1, 2, 3, 4, 5));
}

TEST(DecodeHypercall, BlockAcceptsAnyTimeout) {
    for (uint64_t t : {uint64_t{0}, uint64_t{1}, uint64_t{1000000000}, kMax - 1,
                       uint64_t{DOMUS_BLOCK_FOREVER}}) {
        EXPECT_EQ(req_of<hc::Block>(A(DOMUS_HC_BLOCK, t)).timeout_ns, t);
    }
}

TEST(DecodeHypercall, ShutdownValidReasons) {
    for (uint32_t r : {DOMUS_SHUTDOWN_POWEROFF, DOMUS_SHUTDOWN_REBOOT, DOMUS_SHUTDOWN_CRASH}) {
        auto s = req_of<hc::Shutdown>(A(DOMUS_HC_SHUTDOWN, r, 0xffffffffu));
        EXPECT_EQ(s.reason, r);
        EXPECT_EQ(s.code, 0xffffffffu);
    }
}

TEST(DecodeHypercall, ShutdownInvalid) {
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, 4, 0)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, 0xffffffffu, 0)), -DOMUS_EINVAL);
    // High bits must not be truncated into a valid reason or code.
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, 1ull << 32, 0)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, (1ull << 32) | DOMUS_SHUTDOWN_CRASH, 0)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, 0, 1ull << 32)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, 0, kMax)), -DOMUS_EINVAL);
}

TEST(DecodeHypercall, ShutdownExitTakesOnlyWaitStatusWords) {
    for (uint32_t status : {0u, 0x100u, 0xff00u, 9u, 0x8bu, 64u, 0xc0u}) {
        auto s = req_of<hc::Shutdown>(A(DOMUS_HC_SHUTDOWN, DOMUS_SHUTDOWN_EXIT, status));
        EXPECT_EQ(s.reason, DOMUS_SHUTDOWN_EXIT);
        EXPECT_EQ(s.code, status);
    }
    // Not a wait status: stray low bits with an exit code, a signal above 64, the "stopped"
    // encoding 0x7f, anything above 16 bits.
    for (uint32_t status : {0x101u, 65u, 0x7fu, 0xffu, 0x10000u, 0xffffffffu}) {
        EXPECT_EQ(err_of(A(DOMUS_HC_SHUTDOWN, DOMUS_SHUTDOWN_EXIT, status)), -DOMUS_EINVAL)
            << status;
    }
}

TEST(DecodeHypercall, EventIrq) {
    auto e = req_of<hc::EventIrq>(A(DOMUS_HC_EVENT_IRQ, 0x44, 3));
    EXPECT_EQ(e.vector, 0x44u);
    EXPECT_EQ(e.vcpu, 3u);
    EXPECT_EQ(req_of<hc::EventIrq>(A(DOMUS_HC_EVENT_IRQ, 0, 0)).vector, 0u);  // off
    EXPECT_EQ(req_of<hc::EventIrq>(A(DOMUS_HC_EVENT_IRQ, 255, 0)).vector, 255u);
    EXPECT_EQ(err_of(A(DOMUS_HC_EVENT_IRQ, 31, 0)), -DOMUS_EINVAL);  // an exception vector
    EXPECT_EQ(err_of(A(DOMUS_HC_EVENT_IRQ, 256, 0)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_EVENT_IRQ, 0x44, 1ull << 32)), -DOMUS_EINVAL);
}

TEST(DecodeHypercall, TimeClocks) {
    EXPECT_EQ(req_of<hc::Time>(A(DOMUS_HC_TIME, DOMUS_CLOCK_REALTIME)).clock, DOMUS_CLOCK_REALTIME);
    EXPECT_EQ(req_of<hc::Time>(A(DOMUS_HC_TIME, DOMUS_CLOCK_MONOTONIC)).clock,
              DOMUS_CLOCK_MONOTONIC);
    EXPECT_EQ(err_of(A(DOMUS_HC_TIME, 2)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_TIME, 1ull << 32)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_TIME, (1ull << 32) | DOMUS_CLOCK_MONOTONIC)), -DOMUS_EINVAL);
}

TEST(DecodeHypercall, DomainInfoValid) {
    auto d = req_of<hc::DomainInfo>(A(DOMUS_HC_DOMAIN_INFO, 0x2000, kInfo));
    EXPECT_EQ(d.gpa, 0x2000u);
    EXPECT_EQ(d.len, kInfo);
    EXPECT_EQ(req_of<hc::DomainInfo>(A(DOMUS_HC_DOMAIN_INFO, kRam - kInfo, kInfo)).gpa,
              kRam - kInfo);
}

TEST(DecodeHypercall, DomainInfoTooShort) {
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, 0x2000, kInfo - 1)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, 0x2000, 0)), -DOMUS_EINVAL);
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, kMax, 0)), -DOMUS_EINVAL);  // length checked first
}

TEST(DecodeHypercall, DomainInfoOutsideRam) {
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, kRam - kInfo + 1, kInfo)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, kRam, kInfo)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_DOMAIN_INFO, kMax - 8, kInfo)), -DOMUS_EFAULT);
}

TEST(DecodeHypercall, DomainInfoBufferLargerThanStruct) {
    // Only sizeof(domus_domain_info) bytes are written, so only they must be in RAM.
    auto d = req_of<hc::DomainInfo>(A(DOMUS_HC_DOMAIN_INFO, kRam - kInfo, kMax));
    EXPECT_EQ(d.len, kMax);
}

TEST(DecodeHypercall, ConsoleReadValid) {
    auto c = req_of<hc::ConsoleRead>(A(DOMUS_HC_CONSOLE_READ, 0x1000, 12, kMax, kMax, kMax));
    EXPECT_EQ(c.gpa, 0x1000u);
    EXPECT_EQ(c.len, 12u);
    EXPECT_EQ(req_of<hc::ConsoleRead>(A(DOMUS_HC_CONSOLE_READ, kRam - 1, 1)).len, 1u);
    EXPECT_EQ(req_of<hc::ConsoleRead>(A(DOMUS_HC_CONSOLE_READ, 0, DOMUS_CONSOLE_WRITE_MAX)).len,
              DOMUS_CONSOLE_WRITE_MAX);
}

TEST(DecodeHypercall, ConsoleReadZeroLengthIsAlwaysAccepted) {
    EXPECT_EQ(req_of<hc::ConsoleRead>(A(DOMUS_HC_CONSOLE_READ, kMax, 0)).len, 0u);
}

TEST(DecodeHypercall, ConsoleReadErrors) {
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, 0, DOMUS_CONSOLE_WRITE_MAX + 1)), -DOMUS_E2BIG);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, kMax, kMax)), -DOMUS_E2BIG);  // E2BIG beats EFAULT
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, kRam - 1, 2)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, kRam, 1)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, kMax, 1)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, kMax - 10, 100)), -DOMUS_EFAULT);
    EXPECT_EQ(err_of(A(DOMUS_HC_CONSOLE_READ, 0, 1), 0), -DOMUS_EFAULT);
}

TEST(DecodeHypercall, UnknownNumbers) {
    for (uint64_t nr : {uint64_t{DOMUS_HC_COUNT}, uint64_t{10}, uint64_t{0x100}, uint64_t{1} << 32,
                        (uint64_t{1} << 32) | DOMUS_HC_VERSION, kMax}) {
        EXPECT_EQ(err_of(A(nr, 0, 0, 0, 0, 0)), -DOMUS_ENOSYS) << nr;
    }
}

}  // namespace
}  // namespace domus

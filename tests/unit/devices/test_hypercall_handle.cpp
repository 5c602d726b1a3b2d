// handle_hypercall against a real 1 MiB GuestMemory and a recording host.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "devices/hypercall.hpp"

namespace domus {
namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kInfo = sizeof(domus_domain_info);

class RecordingHost : public HypercallHost {
  public:
    void console_write(std::span<const uint8_t> bytes) override {
        ++console_calls;
        console.append(bytes.begin(), bytes.end());
    }
    void yield() override { ++yields; }
    uint32_t block(uint64_t timeout_ns) override {
        block_timeouts.push_back(timeout_ns);
        return block_result;
    }
    void shutdown(uint32_t reason, uint32_t code) override {
        ++shutdowns;
        shutdown_reason = reason;
        shutdown_code = code;
    }
    uint64_t time_ns(uint32_t clock) override {
        clocks.push_back(clock);
        return time_result;
    }
    domus_domain_info domain_info() override { return info; }
    bool set_event_irq(uint32_t vector, uint32_t vcpu) override {
        irq_requests.emplace_back(vector, vcpu);
        return vcpu < 2;
    }
    size_t console_read(std::span<uint8_t> out) override {
        read_sizes.push_back(out.size());
        const size_t n = std::min(out.size(), input.size());
        std::copy_n(input.begin(), n, out.begin());
        input.erase(0, n);
        return n + read_extra;
    }

    std::vector<std::pair<uint32_t, uint32_t>> irq_requests;

    int calls() const {
        return console_calls + yields + static_cast<int>(block_timeouts.size()) + shutdowns +
               static_cast<int>(clocks.size()) + static_cast<int>(read_sizes.size());
    }

    std::string console;
    int console_calls = 0;
    int yields = 0;
    std::vector<uint64_t> block_timeouts;
    uint32_t block_result = 0;
    int shutdowns = 0;
    uint32_t shutdown_reason = ~0u, shutdown_code = ~0u;
    std::vector<uint32_t> clocks;
    uint64_t time_result = 0;
    domus_domain_info info{};
    std::string input;
    size_t read_extra = 0;  // a misbehaving host claiming more than it copied
    std::vector<size_t> read_sizes;
};

class HandleHypercall : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(kRam);
        ASSERT_TRUE(m.ok()) << m.error().message;
        mem = std::move(m).value();
    }
    int64_t call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0) {
        return handle_hypercall({nr, a0, a1, 0, 0, 0}, mem, host);
    }
    void put(uint64_t gpa, const std::string& s) {
        ASSERT_TRUE(mem.write(gpa, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}).ok());
    }

    GuestMemory mem;
    RecordingHost host;
};

TEST_F(HandleHypercall, Version) {
    EXPECT_EQ(call(DOMUS_HC_VERSION), DOMUS_ABI_VERSION);
}

TEST_F(HandleHypercall, ConsoleWrite) {
    put(0x3000, "hello, domus\n");
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, 0x3000, 13), 13);
    EXPECT_EQ(host.console, "hello, domus\n");
}

TEST_F(HandleHypercall, ConsoleWriteLastByteOfRam) {
    put(kRam - 1, "!");
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, kRam - 1, 1), 1);
    EXPECT_EQ(host.console, "!");
}

TEST_F(HandleHypercall, ConsoleWriteMax) {
    put(0x10000, std::string(DOMUS_CONSOLE_WRITE_MAX, 'm'));
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, 0x10000, DOMUS_CONSOLE_WRITE_MAX),
              DOMUS_CONSOLE_WRITE_MAX);
    EXPECT_EQ(host.console.size(), DOMUS_CONSOLE_WRITE_MAX);
}

TEST_F(HandleHypercall, ConsoleWriteZeroDoesNotCallHost) {
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, kRam, 0), 0);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, ~0ull, 0), 0);
    EXPECT_EQ(host.console_calls, 0);
}

TEST_F(HandleHypercall, ConsoleWriteErrors) {
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, 0, DOMUS_CONSOLE_WRITE_MAX + 1), -DOMUS_E2BIG);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, kRam - 1, 2), -DOMUS_EFAULT);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_WRITE, ~0ull, 16), -DOMUS_EFAULT);
    EXPECT_EQ(host.calls(), 0);
}

TEST_F(HandleHypercall, Yield) {
    EXPECT_EQ(call(DOMUS_HC_YIELD), 0);
    EXPECT_EQ(host.yields, 1);
}

TEST_F(HandleHypercall, BlockReturnsEventMask) {
    host.block_result = DOMUS_EVENT_CONSOLE_INPUT | DOMUS_EVENT_SHUTDOWN_REQUEST;
    EXPECT_EQ(call(DOMUS_HC_BLOCK, 5000), DOMUS_EVENT_CONSOLE_INPUT | DOMUS_EVENT_SHUTDOWN_REQUEST);
    host.block_result = 0;
    EXPECT_EQ(call(DOMUS_HC_BLOCK, DOMUS_BLOCK_FOREVER), 0);
    EXPECT_EQ(host.block_timeouts, (std::vector<uint64_t>{5000, DOMUS_BLOCK_FOREVER}));
}

TEST_F(HandleHypercall, Shutdown) {
    EXPECT_EQ(call(DOMUS_HC_SHUTDOWN, DOMUS_SHUTDOWN_CRASH, 42), 0);
    EXPECT_EQ(host.shutdowns, 1);
    EXPECT_EQ(host.shutdown_reason, DOMUS_SHUTDOWN_CRASH);
    EXPECT_EQ(host.shutdown_code, 42u);
}

TEST_F(HandleHypercall, ShutdownInvalidDoesNotCallHost) {
    EXPECT_EQ(call(DOMUS_HC_SHUTDOWN, 7, 0), -DOMUS_EINVAL);
    EXPECT_EQ(call(DOMUS_HC_SHUTDOWN, 0, 1ull << 40), -DOMUS_EINVAL);
    EXPECT_EQ(host.shutdowns, 0);
}

TEST_F(HandleHypercall, Time) {
    host.time_result = 123456789;
    EXPECT_EQ(call(DOMUS_HC_TIME, DOMUS_CLOCK_MONOTONIC), 123456789);
    EXPECT_EQ(call(DOMUS_HC_TIME, DOMUS_CLOCK_REALTIME), 123456789);
    EXPECT_EQ(host.clocks, (std::vector<uint32_t>{DOMUS_CLOCK_MONOTONIC, DOMUS_CLOCK_REALTIME}));
    EXPECT_EQ(call(DOMUS_HC_TIME, 9), -DOMUS_EINVAL);
    EXPECT_EQ(host.clocks.size(), 2u);
}

TEST_F(HandleHypercall, TimeNeverLooksLikeAnError) {
    host.time_result = std::numeric_limits<uint64_t>::max();
    EXPECT_EQ(call(DOMUS_HC_TIME, DOMUS_CLOCK_REALTIME), std::numeric_limits<int64_t>::max());
}

TEST_F(HandleHypercall, DomainInfoWritesExactlyTheStruct) {
    host.info.abi_version = DOMUS_ABI_VERSION;
    host.info.domain_id = 7;
    host.info.vcpu_count = 2;
    host.info.memory_bytes = kRam;
    host.info.tsc_khz = 3000000;
    std::strcpy(host.info.name, "guest-7");
    ASSERT_TRUE(mem.fill(0x5000, 2 * kInfo, 0xcc).ok());
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, 0x5000, 2 * kInfo), static_cast<int64_t>(kInfo));
    auto got = mem.read_obj<domus_domain_info>(0x5000);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->domain_id, 7u);
    EXPECT_EQ(got->vcpu_count, 2u);
    EXPECT_EQ(got->memory_bytes, kRam);
    EXPECT_EQ(got->tsc_khz, 3000000u);
    EXPECT_STREQ(got->name, "guest-7");
    auto after = mem.read_obj<uint8_t>(0x5000 + kInfo);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, 0xcc);  // nothing past the struct
}

TEST_F(HandleHypercall, DomainInfoAtEndOfRam) {
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, kRam - kInfo, kInfo), static_cast<int64_t>(kInfo));
}

TEST_F(HandleHypercall, DomainInfoNameIsTerminated) {
    std::memset(host.info.name, 'n', sizeof host.info.name);
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, 0x6000, kInfo), static_cast<int64_t>(kInfo));
    auto got = mem.read_obj<domus_domain_info>(0x6000);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name[sizeof got->name - 1], '\0');
    EXPECT_EQ(std::strlen(got->name), sizeof got->name - 1);
}

TEST_F(HandleHypercall, DomainInfoErrorsLeaveMemoryAlone) {
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, 0x6000, kInfo - 1), -DOMUS_EINVAL);
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, kRam - kInfo + 1, kInfo), -DOMUS_EFAULT);
    EXPECT_EQ(call(DOMUS_HC_DOMAIN_INFO, ~0ull - 4, kInfo), -DOMUS_EFAULT);
    auto got = mem.read_obj<uint64_t>(0x6000);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, 0u);
}

TEST_F(HandleHypercall, ConsoleReadCopiesPendingInput) {
    host.input = "line one\nline two\n";
    ASSERT_TRUE(mem.fill(0x4000, 64, 0xcc).ok());
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, 0x4000, 9), 9);
    EXPECT_EQ(host.read_sizes, (std::vector<size_t>{9}));
    auto got = mem.span(0x4000, 10);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(std::string(got->begin(), got->begin() + 9), "line one\n");
    EXPECT_EQ((*got)[9], 0xcc);  // nothing past the length asked for
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, 0x4000, 64), 9);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, 0x4000, 64), 0);  // queue empty
}

TEST_F(HandleHypercall, ConsoleReadZeroLengthDoesNotCallHost) {
    host.input = "x";
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, kRam, 0), 0);
    EXPECT_EQ(host.calls(), 0);
}

TEST_F(HandleHypercall, ConsoleReadErrorsDoNotCallHost) {
    host.input = "x";
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, 0, DOMUS_CONSOLE_WRITE_MAX + 1), -DOMUS_E2BIG);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, kRam - 1, 2), -DOMUS_EFAULT);
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, ~0ull, 16), -DOMUS_EFAULT);
    EXPECT_EQ(host.calls(), 0);
    EXPECT_EQ(host.input, "x");
}

TEST_F(HandleHypercall, ConsoleReadNeverReportsMoreThanAsked) {
    host.input = "abc";
    host.read_extra = 1000;
    EXPECT_EQ(call(DOMUS_HC_CONSOLE_READ, 0x4000, 8), 8);
}

TEST_F(HandleHypercall, UnknownNumber) {
    EXPECT_EQ(call(DOMUS_HC_COUNT), -DOMUS_ENOSYS);
}

TEST_F(HandleHypercall, EventIrqReachesTheHostWhichChecksTheVcpu) {
    EXPECT_EQ(call(DOMUS_HC_EVENT_IRQ, 0x44, 1), 0);
    EXPECT_EQ(call(DOMUS_HC_EVENT_IRQ, 0x44, 2), -DOMUS_EINVAL);  // no vCPU 2 in this host
    ASSERT_EQ(host.irq_requests.size(), 2u);
    EXPECT_EQ(host.irq_requests[0], (std::pair<uint32_t, uint32_t>{0x44, 1}));
    EXPECT_EQ(call(~0ull), -DOMUS_ENOSYS);
    EXPECT_EQ(host.calls(), 0);
}

TEST_F(HandleHypercall, EmptyMemoryFaults) {
    GuestMemory none;
    EXPECT_EQ(handle_hypercall({DOMUS_HC_CONSOLE_WRITE, 0, 1, 0, 0, 0}, none, host), -DOMUS_EFAULT);
    EXPECT_EQ(handle_hypercall({DOMUS_HC_DOMAIN_INFO, 0, kInfo, 0, 0, 0}, none, host),
              -DOMUS_EFAULT);
    EXPECT_EQ(handle_hypercall({DOMUS_HC_CONSOLE_READ, 0, 1, 0, 0, 0}, none, host), -DOMUS_EFAULT);
}

}  // namespace
}  // namespace domus

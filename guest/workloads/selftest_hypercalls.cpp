// Every hypercall, with valid arguments and with each kind of invalid argument the monitor
// must reject (include/domus/abi/hypercall.h). Only under Domus.
#include "arch/vmem.hpp"
#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "kernel/boot.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"
#include "kernel/string.hpp"
#include "workloads/selftest.hpp"

namespace {

constexpr int64_t kYear2020Ns = 1577836800ll * 1'000'000'000ll;
constexpr int64_t kYear2100Ns = 4102444800ll * 1'000'000'000ll;
constexpr uint64_t kKernelBase = 0x100000;  // valid guest RAM for length checks

domus_domain_info g_info;

void expect_result(SelftestResults* r, const char* name, int64_t got, int64_t want) {
    selftest_check(r, name, got == want, "got %ld, want %ld", got, want);
}

void check_valid(SelftestResults* r) {
    expect_result(r, "hc VERSION", hc::version(), DOMUS_ABI_VERSION);

    static const char kProbe[] = "selftest: note: this line was written by one HC_CONSOLE_WRITE\n";
    const uint64_t probe_length = sizeof(kProbe) - 1;
    expect_result(r, "hc CONSOLE_WRITE", hc::console_write(vmem::to_gpa(kProbe), probe_length),
                  int64_t(probe_length));

    expect_result(r, "hc YIELD", hc::yield(), 0);

    const int64_t before = hc::time(DOMUS_CLOCK_MONOTONIC);
    const int64_t events = hc::block(1'000'000);
    const int64_t after = hc::time(DOMUS_CLOCK_MONOTONIC);
    const int64_t waited = after - before;
    selftest_check(r, "hc BLOCK (1 ms)",
                   events >= 0 && waited < 1'000'000'000 && (events != 0 || waited >= 900'000),
                   "returned %ld after %ld ns", events, waited);

    const int64_t realtime = hc::time(DOMUS_CLOCK_REALTIME);
    selftest_check(r, "hc TIME realtime", realtime > kYear2020Ns && realtime < kYear2100Ns,
                   "%ld ns since the epoch is not between 2020 and 2100", realtime);

    const int64_t m0 = hc::time(DOMUS_CLOCK_MONOTONIC);
    const int64_t m1 = hc::time(DOMUS_CLOCK_MONOTONIC);
    selftest_check(r, "hc TIME monotonic", m0 > 0 && m1 > m0, "%ld then %ld", m0, m1);

    memset(&g_info, 0xa5, sizeof(g_info));
    const int64_t written = hc::domain_info(vmem::to_gpa(&g_info), sizeof(g_info));
    const bool consistent =
        g_info.abi_version == DOMUS_ABI_VERSION && g_info.domain_id == g_boot.domain_id &&
        g_info.vcpu_count == g_boot.vcpu_count &&
        g_info.flags == (g_boot.flags & ~DOMUS_BOOT_FLAG_RAM_ZEROED) &&
        g_info.memory_bytes == g_boot.memory_bytes && g_info.tsc_khz == g_boot.tsc_khz &&
        kstrnlen(g_info.name, sizeof(g_info.name)) < sizeof(g_info.name);
    selftest_check(r, "hc DOMAIN_INFO", written == int64_t(sizeof(g_info)) && consistent,
                   "returned %ld; abi %u id %u vcpus %u flags 0x%x mem %lu tsc %lu vs boot "
                   "info id %u vcpus %u flags 0x%x mem %lu tsc %lu",
                   written, g_info.abi_version, g_info.domain_id, g_info.vcpu_count, g_info.flags,
                   g_info.memory_bytes, g_info.tsc_khz, g_boot.domain_id, g_boot.vcpu_count,
                   g_boot.flags, g_boot.memory_bytes, g_boot.tsc_khz);

    // `domus run` never queues console input.
    static char read_buffer[64];
    expect_result(r, "hc CONSOLE_READ (no input queued)",
                  hc::console_read(vmem::to_gpa(read_buffer), sizeof(read_buffer)), 0);
    expect_result(r, "hc CONSOLE_READ len 0", hc::console_read(0, 0), 0);
}

void check_invalid(SelftestResults* r) {
    const uint64_t ram_end = g_boot.memory_bytes;
    expect_result(r, "hc unknown number 999", hc::call(999), -DOMUS_ENOSYS);
    expect_result(r, "hc unknown number 0xffffffffffffffff", hc::call(~0ull), -DOMUS_ENOSYS);
    expect_result(r, "hc unknown number DOMUS_HC_COUNT", hc::call(DOMUS_HC_COUNT), -DOMUS_ENOSYS);
    expect_result(r, "hc CONSOLE_WRITE gpa outside RAM", hc::console_write(ram_end, 16),
                  -DOMUS_EFAULT);
    expect_result(r, "hc CONSOLE_WRITE crossing the end of RAM", hc::console_write(ram_end - 8, 16),
                  -DOMUS_EFAULT);
    expect_result(r, "hc CONSOLE_WRITE wrapping gpa",
                  hc::console_write(0xfffffffffffffff0ull, 0x20), -DOMUS_EFAULT);
    expect_result(r, "hc CONSOLE_WRITE len 4097",
                  hc::console_write(kKernelBase, DOMUS_CONSOLE_WRITE_MAX + 1), -DOMUS_E2BIG);
    expect_result(r, "hc CONSOLE_READ len 4097",
                  hc::console_read(kKernelBase, DOMUS_CONSOLE_WRITE_MAX + 1), -DOMUS_E2BIG);
    expect_result(r, "hc CONSOLE_READ crossing the end of RAM", hc::console_read(ram_end - 8, 16),
                  -DOMUS_EFAULT);
    expect_result(r, "hc CONSOLE_READ wrapping gpa", hc::console_read(0xfffffffffffffff0ull, 0x20),
                  -DOMUS_EFAULT);
    expect_result(r, "hc SHUTDOWN reason 7", hc::shutdown(7, 0), -DOMUS_EINVAL);
    expect_result(r, "hc TIME clock 9", hc::time(9), -DOMUS_EINVAL);
    expect_result(r, "hc DOMAIN_INFO len 4", hc::domain_info(uint64_t(&g_info), 4), -DOMUS_EINVAL);
    expect_result(r, "hc DOMAIN_INFO gpa outside RAM",
                  hc::domain_info(ram_end, sizeof(domus_domain_info)), -DOMUS_EFAULT);
}

}  // namespace

void selftest_hypercalls(SelftestResults* results) {
    if (!platform_is_domus()) {
        selftest_skip("hypercalls", "not under Domus");
        return;
    }
    check_valid(results);
    check_invalid(results);
}

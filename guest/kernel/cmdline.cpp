#include "kernel/cmdline.hpp"

#include <stddef.h>

#include "kernel/console.hpp"
#include "kernel/string.hpp"
#include "workloads/cpu_kernel.hpp"

namespace {

bool parse_u64(const char* s, size_t length, uint64_t* out) {
    if (length == 0) return false;
    uint64_t base = 10;
    if (length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        length -= 2;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < length; ++i) {
        const char c = s[i];
        uint64_t digit;
        if (c >= '0' && c <= '9') {
            digit = uint64_t(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = uint64_t(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            digit = uint64_t(c - 'A' + 10);
        } else {
            return false;
        }
        if (digit >= base || value > (~uint64_t(0) - digit) / base) return false;  // overflow
        value = value * base + digit;
    }
    *out = value;
    return true;
}

bool parse_workload(const char* word, size_t length, Workload* out) {
    struct Entry {
        const char* name;
        Workload workload;
    };
    static constexpr Entry kWorkloads[] = {
        {"hello", Workload::Hello},
        {"selftest", Workload::Selftest},
        {"bench", Workload::Bench},
        {"service", Workload::Service},
        {"crash", Workload::Crash},
        {"triplefault", Workload::TripleFault},
        {"hostile-virtio", Workload::HostileVirtio},
        {"hostile-net", Workload::HostileNet},
        {"net-reflect", Workload::NetReflect},
    };
    for (const Entry& e : kWorkloads) {
        if (kstreq_n(word, length, e.name)) {
            *out = e.workload;
            return true;
        }
    }
    return false;
}

bool parse_option(const char* word, size_t length, size_t equals, Options* options) {
    const char* value = word + equals + 1;
    const size_t value_length = length - equals - 1;
    uint64_t* target = nullptr;
    if (kstreq_n(word, equals, "cpu_iters")) target = &options->cpu_iters;
    if (kstreq_n(word, equals, "hc_iters")) target = &options->hc_iters;
    bool dotted = false;  // a module parameter (virtio_mmio.device=... from the monitor)
    for (size_t i = 0; i < equals; ++i) dotted = dotted || word[i] == '.';
    if (target == nullptr && dotted) return true;
    if (target == nullptr) {
        kprintf("guest: ignoring unknown option '%.*s'\n", int(length), word);
        return true;
    }
    if (!parse_u64(value, value_length, target) || *target == 0) {
        kprintf("guest: bad value in '%.*s' (want a positive integer)\n", int(length), word);
        return false;
    }
    return true;
}

}  // namespace

bool parse_cmdline(const char* cmdline, Options* options) {
    *options = Options{Workload::Hello, DOMUS_CPU_KERNEL_DEFAULT_ITERS, 20000};
    bool have_workload = false;
    bool ok = true;
    const char* p = cmdline;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
        const char* word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') ++p;
        const size_t length = size_t(p - word);
        if (length == 0) break;

        size_t equals = 0;
        while (equals < length && word[equals] != '=') ++equals;
        if (equals < length) {
            ok = parse_option(word, length, equals, options) && ok;
        } else if (have_workload) {
            kprintf("guest: unexpected word '%.*s' (the workload is already chosen)\n", int(length),
                    word);
            ok = false;
        } else if (parse_workload(word, length, &options->workload)) {
            have_workload = true;
        } else {
            kprintf(
                "guest: unknown workload '%.*s' "
                "(hello|selftest|bench|service|crash|triplefault|hostile-virtio|hostile-net|net-"
                "reflect)\n",
                int(length), word);
            ok = false;
        }
    }
    return ok;
}

// fuzz_jail: the monitor's user text (`vmm-user`, `vmm-uid-range`, /etc/passwd and
// /etc/group, --user UID:GID) and the async-signal-safe seccomp violation record, on arbitrary
// bytes. Invariants: no crash; an accepted UID:GID or range formats back to itself; a domain's
// uid lies in its range; every violation record, whatever name it is given, parses as an exit
// record naming reason "seccomp" and the call number.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/json/src.hpp>

#include "vmm/exit_file.hpp"
#include "vmm/jail_user.hpp"
#include "vmm/seccomp_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace domus::vmm;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto u = parse_jail_user(text); u.ok()) {
        const std::string again = format_jail_user(*u);
        auto back = parse_jail_user(again);
        if (!back.ok() || !(*back == *u)) __builtin_trap();
    }
    const size_t nl = text.find('\n');
    const std::string_view spec = text.substr(0, nl);
    const std::string_view passwd =
        nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    (void)resolve_jail_user(spec, passwd);
    if (auto r = parse_jail_uid_range(spec); r.ok()) {
        auto back = parse_jail_uid_range(format_jail_uid_range(*r));
        if (!back.ok() || !(*back == *r) || r->first == 0 || r->last < r->first) __builtin_trap();
        int64_t id = 0;
        std::memcpy(&id, data, size < sizeof id ? size : sizeof id);
        if (auto u = jail_user_for_domain(*r, id); u.ok()) {
            if (u->uid < r->first || u->uid > r->last || u->gid != u->uid) __builtin_trap();
        }
        (void)account_in_range(*r, passwd, passwd);
    }

    long nr = 0;
    std::memcpy(&nr, data, size < sizeof nr ? size : sizeof nr);
    const std::string name(text.substr(size < 8 ? size : 8, 64));  // may hold any byte, even NUL
    char buf[320];
    const size_t n = format_seccomp_exit_record(buf, sizeof buf, nr, name.c_str(), 1234);
    if (n >= sizeof buf || buf[n] != '\0') __builtin_trap();
    auto info = parse_exit_info(std::string_view(buf, n));
    if (!info.ok() || info->reason != "seccomp" || info->code != nr) __builtin_trap();
    char small[24];
    const size_t m = format_seccomp_log_line(small, sizeof small, nr, name.c_str(), -1);
    if (m >= sizeof small || small[m] != '\0') __builtin_trap();
    return 0;
}

// Reading /proc/meminfo: the one parser both the monitor (capacity checks before a boot) and the
// daemon (host totals, capacity checks) use.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace domus {

// The value of field `key` ("MemTotal", "MemAvailable", ...) in MiB; 0 when the file cannot be
// read or has no such field.
inline uint64_t meminfo_mib(const char* key) {
    FILE* f = std::fopen("/proc/meminfo", "re");
    if (f == nullptr) return 0;
    char line[256];
    uint64_t kib = 0;
    const size_t klen = std::strlen(key);
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kib = std::strtoull(line + klen + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kib / 1024;
}

}  // namespace domus

// Is a file a program the guest kernel can run as init on its own: a statically linked x86-64
// Linux executable (ET_EXEC, or a static PIE: ET_DYN without an interpreter)? `domus run
// --exec` asks before packing it. Pure: reads nothing but `file`, never outside it; hostile
// input is refused (Errc::bad_image) with one line naming `name` and the reason:
//   - not ELF (a script's "#!" is named), not ELF64 little-endian, not x86-64;
//   - a relocatable object, a core dump, a shared library (ET_DYN with entry 0);
//   - a PT_INTERP segment: "NAME is dynamically linked (interpreter /lib64/ld-...); --exec
//     needs a static executable ...";
//   - DT_NEEDED entries without an interpreter (shared libraries nobody would load);
//   - program headers outside the file, none loadable, an entry point outside every
//     executable segment.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus {

struct ProgramInfo {
    bool pie = false;  // ET_DYN (static PIE), else ET_EXEC
    uint64_t entry = 0;
};

Result<ProgramInfo> inspect_program(std::span<const uint8_t> file, std::string_view name);

}  // namespace domus

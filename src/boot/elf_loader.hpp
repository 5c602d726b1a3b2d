// Validating ELF64 kernel loader. parse_elf() checks a kernel image against everything Domus
// relies on (x86-64, ET_EXEC, statically linked, loadable segments inside guest RAM and above the
// boot structures, no overlaps, entry in an executable segment) and describes it; load_elf()
// copies the described segments into guest memory through the checked GuestMemory API.
// Hostile input never aborts: every failure is Errc::bad_image with one line naming the value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "domus/abi/boot_info.h"
#include "memory/guest_memory.hpp"

namespace domus {

// Xen ELF note (owner "Xen") carrying the 32-bit PVH entry point.
inline constexpr uint32_t kXenElfnotePhys32Entry = 18;

// One PT_LOAD segment: file bytes [file_offset, file_offset + file_size) go to guest physical
// [gpa, gpa + file_size); [gpa + file_size, gpa + mem_size) is zero-filled (bss).
struct ElfSegment {
    uint64_t file_offset = 0;
    uint64_t file_size = 0;
    uint64_t gpa = 0;
    uint64_t vaddr = 0;  // gpa, or gpa + DOMUS_KERNEL_VIRT_BASE for a kernel linked at -2 GiB
    uint64_t mem_size = 0;
    bool executable = false;
    bool writable = false;
};

struct ElfImage {
    uint64_t entry = 0;                 // e_entry, a virtual address inside a PF_X segment
    std::vector<ElfSegment> segments;   // non-empty PT_LOADs in program header order
    uint64_t lowest_gpa = 0;            // lowest byte of any segment
    uint64_t end_gpa = 0;               // one past the highest byte of any segment
    std::optional<uint32_t> pvh_entry;  // XEN_ELFNOTE_PHYS32_ENTRY if present
};

struct ElfLimits {
    uint64_t ram_bytes = 0;                   // segments must end at or below this
    uint64_t min_gpa = DOMUS_GPA_KERNEL_MIN;  // segments may not start below this
};

// Pure: validates and describes the image, reads nothing but `file`.
Result<ElfImage> parse_elf(std::span<const uint8_t> file, const ElfLimits& limits);

// Copies the file bytes of every segment into guest memory and zero-fills mem_size - file_size.
// `file` must be the buffer `image` was parsed from; ranges are re-checked anyway.
Status load_elf(const ElfImage& image, std::span<const uint8_t> file, GuestMemory& mem);

// The largest kernel image Domus reads (the daemon's check, domus run and domus-vmm alike).
inline constexpr uint64_t kMaxKernelBytes = 256ull << 20;

}  // namespace domus

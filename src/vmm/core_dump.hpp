// An ELF core file of a domain: guest memory and every vCPU's registers, in the layout gdb reads
// for an x86-64 Linux process core (ET_CORE, one NT_PRSTATUS note per vCPU, PT_LOAD segments).
// Guest RAM is stored once and described by one PT_LOAD per address-space view the boot page
// tables give the guest (identity, the physmap, the kernel at -2 GiB), so `gdb KERNEL CORE`
// resolves the kernel's symbols and reads its memory at their linked addresses.
//
// The headers and notes are built by a pure function; write_core_file appends the RAM.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "hv/regs.hpp"

namespace domus::vmm {

struct CoreVcpu {
    hv::Regs regs{};
    hv::SpecialRegs sregs{};
};

// One view of guest RAM: guest virtual [vaddr, vaddr + size) is guest physical [0, size).
struct CoreView {
    uint64_t vaddr = 0;
    uint64_t size = 0;
};

struct CoreSpec {
    std::vector<CoreVcpu> vcpus;  // vCPU 0 first (gdb's first thread)
    uint64_t ram_bytes = 0;
    std::vector<CoreView> views;  // each no larger than ram_bytes
    uint32_t pid = 0;             // NT_PRPSINFO's pid (the monitor's); vCPU n is gdb's LWP n + 1
    std::string name;             // NT_PRPSINFO's fname/psargs (the domain's name)
};

// The views the Domus boot page tables map (include/domus/abi/boot_info.h).
std::vector<CoreView> domus_boot_views(uint64_t ram_bytes);

// ELF header, program headers and the note segment, padded so that RAM starts on a 4 KiB
// boundary at the returned size. An error for an empty vCPU list, a zero or unaligned RAM size,
// or a view larger than RAM.
Result<std::vector<uint8_t>> build_core_prefix(const CoreSpec& spec);

// Writes the prefix and then `ram` (ram.size() == spec.ram_bytes) to `fd` from its current
// position. The file is complete only when this returns success.
Status write_core_file(int fd, const CoreSpec& spec, std::span<const uint8_t> ram);

}  // namespace domus::vmm

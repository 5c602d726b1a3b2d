// The Domus guest kernel ELF, built from guest/ and linked into the binary (embedded_guest.S).
#pragma once

#include <cstdint>
#include <span>

namespace domus::vmm {

std::span<const uint8_t> embedded_guest();

}  // namespace domus::vmm

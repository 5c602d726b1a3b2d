#include "vmm/embedded_guest.hpp"

extern "C" const uint8_t domus_embedded_guest_start[];
extern "C" const uint8_t domus_embedded_guest_end[];

namespace domus::vmm {

std::span<const uint8_t> embedded_guest() {
    return {domus_embedded_guest_start,
            static_cast<size_t>(domus_embedded_guest_end - domus_embedded_guest_start)};
}

}  // namespace domus::vmm

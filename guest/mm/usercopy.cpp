#include "mm/usercopy.hpp"

#include "abi/errno.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"

namespace {

// rep movsb / rep stosb with the per-vCPU fault record armed. Returns false on a fault.
bool move_bytes(void* destination, const void* source, size_t length) {
    FaultRecord* r = fault_expect();
    asm volatile(FAULT_ARM_RECOVERY("1f") "rep movsb\n1:"
                 : "+D"(destination), "+S"(source), "+c"(length), [recover] "=m"(r->recover_rip)
                 :
                 : "r11", "memory");
    return !fault_done(r);
}

bool fill_zero(void* destination, size_t length) {
    FaultRecord* r = fault_expect();
    asm volatile(FAULT_ARM_RECOVERY("1f") "rep stosb\n1:"
                 : "+D"(destination), "+c"(length), [recover] "=m"(r->recover_rip)
                 : "a"(0)
                 : "r11", "memory");
    return !fault_done(r);
}

}  // namespace

bool user_range_ok(uint64_t address, uint64_t length) {
    const uint64_t end = address + length;
    return end >= address && user::is_user_address(address) &&
           (length == 0 || end <= 0x0000800000000000ull);
}

int copy_from_user(void* destination, uint64_t user_source, size_t length) {
    if (!user_range_ok(user_source, length)) return -linux_errno::EFAULT;
    if (length == 0) return 0;
    return move_bytes(destination, reinterpret_cast<const void*>(user_source), length)
               ? 0
               : -linux_errno::EFAULT;
}

int copy_to_user(uint64_t user_destination, const void* source, size_t length) {
    if (!user_range_ok(user_destination, length)) return -linux_errno::EFAULT;
    if (length == 0) return 0;
    return move_bytes(reinterpret_cast<void*>(user_destination), source, length)
               ? 0
               : -linux_errno::EFAULT;
}

int clear_user(uint64_t user_destination, size_t length) {
    if (!user_range_ok(user_destination, length)) return -linux_errno::EFAULT;
    if (length == 0) return 0;
    return fill_zero(reinterpret_cast<void*>(user_destination), length) ? 0 : -linux_errno::EFAULT;
}

int64_t strncpy_from_user(char* destination, uint64_t user_source, size_t max) {
    // Page by page: a string may end just before an unmapped page.
    size_t copied = 0;
    while (copied < max) {
        const uint64_t at = user_source + copied;
        size_t chunk = 4096 - (at & 4095);
        if (chunk > max - copied) chunk = max - copied;
        if (copy_from_user(destination + copied, at, chunk) != 0) return -linux_errno::EFAULT;
        for (size_t i = 0; i < chunk; ++i) {
            if (destination[copied + i] == '\0') return int64_t(copied + i);
        }
        copied += chunk;
    }
    return -linux_errno::ENAMETOOLONG;
}

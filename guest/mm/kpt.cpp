#include "mm/kpt.hpp"

#include "arch/layout.h"
#include "arch/vmem.hpp"
#include "kernel/string.hpp"
#include "mm/phys.hpp"

extern "C" const char __image_end[];
extern "C" const char __entry_text_start[], __entry_text_end[];
extern "C" const char __entry_data_start[], __entry_data_end[];

namespace kpt {

namespace {

constexpr uint64_t k2MiB = 2ull << 20;
constexpr uint64_t k1GiB = 1ull << 30;

uint64_t g_user_bit = kUser;
uint64_t g_nx = 0;
uint64_t g_physmap_pdpt = 0;
uint64_t g_image_pd = 0;
uint64_t g_user_entry_pd = 0;
uint64_t g_kernel_pdpt[GUEST_MAX_VCPUS];
uint64_t g_user_pdpt[GUEST_MAX_VCPUS];
uint64_t g_entry_area[GUEST_MAX_VCPUS];

uint64_t* table(uint64_t gpa) {
    return vmem::from_gpa<uint64_t>(gpa);
}

uint64_t table_flags() {
    return kPresent | kWrite | g_user_bit;
}

unsigned index(uint64_t va, unsigned level) {  // level 3 = PML4 .. 0 = PT
    return unsigned(va >> (12 + 9 * level)) & 511;
}

// The table `parent[slot]` points to, created (zeroed) if missing; 0 when out of memory.
uint64_t child(uint64_t parent, unsigned slot) {
    uint64_t& e = table(parent)[slot];
    if (!(e & kPresent)) {
        const uint64_t t = phys::alloc_zeroed();
        if (!t) return 0;
        e = t | table_flags();
    }
    return e & kAddressMask;
}

bool build_physmap(uint64_t ram_top) {
    g_physmap_pdpt = phys::alloc_zeroed();
    if (!g_physmap_pdpt) return false;
    for (uint64_t pa = 0; pa < ram_top; pa += k2MiB) {
        const uint64_t pd = child(g_physmap_pdpt, unsigned(pa / k1GiB));
        if (!pd) return false;
        table(pd)[(pa / k2MiB) & 511] = pa | kPresent | kWrite | kLarge | g_user_bit | g_nx;
    }
    return true;
}

bool build_image_pd() {
    g_image_pd = phys::alloc_zeroed();
    if (!g_image_pd) return false;
    const uint64_t end = vmem::to_gpa(__image_end);
    for (uint64_t pa = 0; pa < end; pa += k2MiB) {
        table(g_image_pd)[pa / k2MiB] = pa | kPresent | kWrite | kLarge | g_user_bit;
    }
    return true;
}

// The user's view of the image: the entry section only, 4 KiB pages, read-only.
bool map_user_entry_range(const char* start, const char* end, bool exec) {
    for (uint64_t va = uint64_t(start); va < uint64_t(end); va += phys::kPageSize) {
        const uint64_t pt = child(g_user_entry_pd, index(va, 1));
        if (!pt) return false;
        table(pt)[index(va, 0)] = vmem::to_gpa(reinterpret_cast<const void*>(va)) | kPresent |
                                  g_user_bit | (exec ? 0 : g_nx);
    }
    return true;
}

bool build_entry_area(uint32_t vcpu) {
    const uint64_t area = phys::alloc_zeroed(2);  // 4 pages
    const uint64_t pd = phys::alloc_zeroed();
    const uint64_t pt = phys::alloc_zeroed();
    const uint64_t kernel_pdpt = phys::alloc_zeroed();
    const uint64_t user_pdpt = phys::alloc_zeroed();
    if (!area || !pd || !pt || !kernel_pdpt || !user_pdpt) return false;
    g_entry_area[vcpu] = area;
    table(pt)[0] = area | kPresent | g_user_bit | g_nx;  // page 0: read-only for everyone
    for (unsigned i = 1; i < 4; ++i) {
        table(pt)[i] = (area + i * phys::kPageSize) | kPresent | kWrite | g_user_bit | g_nx;
    }
    table(pd)[index(ENTRY_AREA, 1)] = pt | table_flags();
    table(kernel_pdpt)[index(DOMUS_KERNEL_VIRT_BASE, 2)] = g_image_pd | table_flags();
    table(kernel_pdpt)[index(ENTRY_AREA, 2)] = pd | table_flags();
    table(user_pdpt)[index(DOMUS_KERNEL_VIRT_BASE, 2)] = g_user_entry_pd | table_flags();
    table(user_pdpt)[index(ENTRY_AREA, 2)] = pd | table_flags();
    g_kernel_pdpt[vcpu] = kernel_pdpt;
    g_user_pdpt[vcpu] = user_pdpt;
    return true;
}

}  // namespace

bool init(uint64_t ram_top, uint32_t vcpu_count, bool pvm_host, bool nx) {
    g_user_bit = pvm_host ? kUser : 0;
    g_nx = nx ? kNoExec : 0;
    if (!build_physmap(ram_top) || !build_image_pd()) return false;
    g_user_entry_pd = phys::alloc_zeroed();
    if (!g_user_entry_pd) return false;
    if (!map_user_entry_range(__entry_text_start, __entry_text_end, true) ||
        !map_user_entry_range(__entry_data_start, __entry_data_end, false)) {
        return false;
    }
    for (uint32_t i = 0; i < vcpu_count && i < GUEST_MAX_VCPUS; ++i) {
        if (!build_entry_area(i)) return false;
    }
    return true;
}

uint64_t kernel_user_bit() {
    return g_user_bit;
}

uint64_t nx_bit() {
    return g_nx;
}

uint64_t new_kernel_root(uint32_t vcpu) {
    const uint64_t root = phys::alloc_zeroed();
    if (!root) return 0;
    table(root)[index(DOMUS_PHYSMAP_BASE, 3)] = g_physmap_pdpt | table_flags();
    table(root)[511] = g_kernel_pdpt[vcpu] | table_flags();
    return root;
}

uint64_t new_user_root(uint32_t vcpu) {
    const uint64_t root = phys::alloc_zeroed();
    if (!root) return 0;
    table(root)[511] = g_user_pdpt[vcpu] | table_flags();
    return root;
}

uint64_t entry_area_gpa(uint32_t vcpu) {
    return g_entry_area[vcpu];
}

bool map_mmio(uint64_t gpa) {
    const uint64_t pd = child(g_physmap_pdpt, unsigned(gpa / k1GiB));
    if (!pd) return false;
    table(pd)[(gpa / k2MiB) & 511] =
        (gpa & ~(k2MiB - 1)) | kPresent | kWrite | kLarge | kPcd | kPwt | g_user_bit | g_nx;
    return true;
}

}  // namespace kpt

// Boot-time memory set-up on the BSP: the physical allocator over the RAM the boot-info page
// lists (minus the boot area, the kernel image and the ramdisk) and the kernel page tables.
#pragma once

// Returns nullptr on success, else what failed.
const char* mm_init();

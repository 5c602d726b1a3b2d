#include "kernel/userspace.hpp"

#include "abi/errno.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/vmem.hpp"
#include "dev/block_file.hpp"
#include "dev/devices.hpp"
#include "dev/tty.hpp"
#include "dev/virtio_blk.hpp"
#include "domus/abi/hypercall.h"
#include "fs/cpio_unpack.hpp"
#include "fs/mount.hpp"
#include "fs/mount_table.hpp"
#include "fs/ramfs.hpp"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/console_events.hpp"
#include "kernel/init_cmdline.hpp"
#include "kernel/platform.hpp"
#include "kernel/random.hpp"
#include "kernel/smp.hpp"
#include "kernel/time.hpp"
#include "mm/phys.hpp"
#include "proc/process.hpp"
#include "proc/sched.hpp"
#include "procfs/procfs.hpp"

namespace {

char g_cmdline_storage[DOMUS_CMDLINE_MAX];

[[noreturn]] void fail(const char* what, const char* detail, uint32_t status) {
    kprintf("guest: %s: %s\n", what, detail);
    platform_shutdown(DOMUS_SHUTDOWN_EXIT, status);
}

const char* errno_name(int e) {
    switch (-e) {
        case linux_errno::ENOENT:
            return "No such file or directory";
        case linux_errno::EACCES:
            return "Permission denied";
        case linux_errno::ENOEXEC:
            return "Exec format error";
        case linux_errno::ENOMEM:
            return "Out of memory";
        case linux_errno::ENOTDIR:
            return "Not a directory";
        case linux_errno::ELOOP:
            return "Too many levels of symbolic links";
        case linux_errno::E2BIG:
            return "Argument list too long";
        default:
            return "error";
    }
}

void ap_enter_scheduler(uint32_t, void*) {
    sched::init_cpu(this_cpu());
    sched::idle_loop();
}

// The archive's pages become ordinary pages: a file keeps a page of its data in place instead
// of a copy (the monitor places the archive so that the largest files' data is page aligned).
bool adopt_archive_page(void* page) {
    return phys::adopt(vmem::to_gpa(page));
}

void unpack_ramdisk() {
    const domus_boot_info* bi = g_boot.info;
    fs::Inode* root = fs::ramfs_create(0755);
    if (!root) fail("initramfs", "out of memory", 125u << 8);
    fs::vfs_set_root(root);
    (void)fs::mount_record(nullptr, root, "rootfs", "ramfs", false, nullptr);
    fs::inode_put(root);
    fs::CpioStats stats{};
    const int r = fs::cpio_unpack(fs::vfs_root(), vmem::from_gpa(bi->ramdisk_gpa), bi->ramdisk_size,
                                  &stats, adopt_archive_page);
    if (r == -linux_errno::EINVAL) {
        kprintf("guest: initramfs: %s at byte %lu\n", stats.error ? stats.error : "malformed",
                uint64_t(stats.error_offset));
        platform_shutdown(DOMUS_SHUTDOWN_EXIT, 125u << 8);
    }
    if (r < 0) fail("initramfs", "out of memory while unpacking", 125u << 8);
    if (stats.skipped) {
        kprintf("guest: initramfs: %u entries skipped (first: %s)\n", stats.skipped,
                stats.first_skipped ? stats.first_skipped : "?");
    }
    // The rest of the archive's pages (the monitor gives it pages of its own) is free memory
    // from now on.
    const uint64_t first = bi->ramdisk_gpa & ~(phys::kPageSize - 1);
    const uint64_t end =
        (bi->ramdisk_gpa + bi->ramdisk_size + phys::kPageSize - 1) & ~(phys::kPageSize - 1);
    phys::release(phys::Range{first, end - first});
}

}  // namespace

void run_userspace() {
    time_init();
    random_init();
    InitCommand init;
    if (const char* problem = parse_init_cmdline(g_boot.cmdline, g_cmdline_storage,
                                                 sizeof(g_cmdline_storage), &init)) {
        fail("command line", problem, 125u << 8);
    }
    unpack_ramdisk();
    dev::probe_virtio_blk();
    if (dev::register_mem_devices() < 0 || dev::register_console() < 0 ||
        dev::register_block_nodes() < 0 || dev::populate_dev() < 0) {
        fail("/dev", "cannot create the device nodes", 125u << 8);
    }
    if (procfs::mount_proc() < 0) fail("/proc", "cannot mount procfs", 125u << 8);
    if (!sched::init()) fail("scheduler", "no working LAPIC timer", 125u << 8);
    if (init.bench_floor) {
        for (uint32_t i = 0; i < g_boot.vcpu_count; ++i) cpu_by_index(i)->entry->bench_floor = 1;
    }
    sched::init_cpu(this_cpu());
    console_events_init();
    smp_start_all(ap_enter_scheduler, nullptr);
    const int r = proc::start_init(init.path, init.argv, init.envp);
    if (r < 0) {
        kprintf("guest: cannot run init %s: %s\n", init.path, errno_name(r));
        // Like a shell: 127 when the program does not exist, 126 when it cannot run.
        platform_shutdown(DOMUS_SHUTDOWN_EXIT, (r == -linux_errno::ENOENT ? 127u : 126u) << 8);
    }
    sched::idle_loop();
}

#include "kernel/userspace.hpp"

#include "abi/errno.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/vmem.hpp"
#include "dev/block.hpp"
#include "dev/block_file.hpp"
#include "dev/devices.hpp"
#include "dev/tty.hpp"
#include "dev/virtio_blk.hpp"
#include "domus/abi/hypercall.h"
#include "fs/cpio_unpack.hpp"
#include "fs/mount.hpp"
#include "fs/mount_table.hpp"
#include "fs/ramfs.hpp"
#include "fs/vfs.hpp"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/console_events.hpp"
#include "kernel/init_cmdline.hpp"
#include "kernel/ktimer.hpp"
#include "kernel/network.hpp"
#include "kernel/platform.hpp"
#include "kernel/random.hpp"
#include "kernel/smp.hpp"
#include "kernel/string.hpp"
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
        case linux_errno::ENODEV:
            return "No such device";
        case linux_errno::ENXIO:
            return "No such device or address";
        case linux_errno::EINVAL:
            return "Invalid argument";
        case linux_errno::EIO:
            return "Input/output error";
        case linux_errno::EROFS:
            return "Read-only file system";
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

// root=: the disk's file system becomes "/". Linux's forms: /dev/vda or vda.
void mount_disk_root(const InitCommand& init) {
    const char* name = init.root;
    if (kstrnlen(name, 5) == 5 && memcmp(name, "/dev/", 5) == 0) name += 5;
    if (*name == '\0') fail("root", "root=/dev/ names no disk", 125u << 8);
    blk::BlockDevice* disk = blk::find_device(name);
    if (disk == nullptr) {
        kprintf("guest: root: no disk %s (the domain's disks are vda, vdb, ... in order)\n",
                init.root);
        platform_shutdown(DOMUS_SHUTDOWN_EXIT, 125u << 8);
    }
    const int r =
        fs::mount_root(disk, init.root, init.rootfstype, init.root_rw ? 0 : fs::kMountReadOnly);
    if (r < 0) {
        kprintf("guest: root: cannot mount %s%s%s: %s\n", init.root, init.rootfstype ? " as " : "",
                init.rootfstype ? init.rootfstype : "", errno_name(r));
        platform_shutdown(DOMUS_SHUTDOWN_EXIT, 125u << 8);
    }
}

// A disk root keeps its own /dev untouched: the device nodes live in a ramfs mounted on it
// (as devtmpfs on Linux), made when missing and the root is writable.
void mount_dev_on_disk_root() {
    fs::Inode* root = fs::vfs_root();
    (void)fs::vfs_mkdir(root, "/dev", 0755);
    fs::Inode* dev = nullptr;
    int r = fs::vfs_lookup(root, "/dev", 0, true, &dev);
    if (r == 0) {
        r = fs::mount_new(dev, "dev", nullptr, "ramfs", 0, "");
        fs::inode_put(dev);
    }
    if (r < 0) kprintf("guest: /dev: cannot mount a ramfs on it: %s\n", errno_name(r));
}

// init= or, on a disk root without it, Linux's list.
int start_init(InitCommand& init, bool disk_root) {
    if (!disk_root || init.init_given) return proc::start_init(init.path, init.argv, init.envp);
    static const char* const kCandidates[] = {"/sbin/init", "/etc/init", "/bin/init", "/bin/sh"};
    int r = -linux_errno::ENOENT;
    for (const char* path : kCandidates) {
        init.path = path;
        init.argv[0] = path;
        r = proc::start_init(init.path, init.argv, init.envp);
        if (r != -linux_errno::ENOENT) return r;
    }
    init.path = "/sbin/init";  // named in the message
    return r;
}

}  // namespace

bool boot_runs_program(const domus_boot_info* info, const char* cmdline) {
    if (info->ramdisk_size != 0) return true;
    // root= before any "--": a root file system on a disk.
    for (const char* p = cmdline; *p != '\0';) {
        while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
        const char* word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') ++p;
        const size_t len = size_t(p - word);
        if (len == 2 && word[0] == '-' && word[1] == '-') return false;
        if (len > 5 && memcmp(word, "root=", 5) == 0) return true;
    }
    return false;
}

void run_userspace() {
    time_init();
    random_init();
    InitCommand init;
    if (const char* problem = parse_init_cmdline(g_boot.cmdline, g_cmdline_storage,
                                                 sizeof(g_cmdline_storage), &init)) {
        fail("command line", problem, 125u << 8);
    }
    dev::probe_virtio_blk();
    const bool disk_root = g_boot.info->ramdisk_size == 0;
    if (disk_root) {
        mount_disk_root(init);
        mount_dev_on_disk_root();
    } else {
        unpack_ramdisk();
    }
    if (dev::register_mem_devices() < 0 || dev::register_console() < 0 ||
        dev::register_block_nodes() < 0 || dev::populate_dev(!disk_root) < 0) {
        fail("/dev", "cannot create the device nodes", 125u << 8);
    }
    if (const int r = procfs::mount_proc(); r < 0) {
        if (!disk_root) fail("/proc", "cannot mount procfs", 125u << 8);
        kprintf("guest: /proc: not mounted (%s)\n", errno_name(r));  // a read-only root without it
    }
    if (!sched::init()) fail("scheduler", "no working LAPIC timer", 125u << 8);
    if (init.bench_floor) {
        for (uint32_t i = 0; i < g_boot.vcpu_count; ++i) cpu_by_index(i)->entry->bench_floor = 1;
    }
    sched::init_cpu(this_cpu());
    ktimer_init();
    kernel_net::network_init(init.ip);
    console_events_init();
    smp_start_all(ap_enter_scheduler, nullptr);
    const int r = start_init(init, disk_root);
    if (r < 0) {
        kprintf("guest: cannot run init %s: %s\n", init.path, errno_name(r));
        // Like a shell: 127 when the program does not exist, 126 when it cannot run.
        platform_shutdown(DOMUS_SHUTDOWN_EXIT, (r == -linux_errno::ENOENT ? 127u : 126u) << 8);
    }
    sched::idle_loop();
}

// /proc's inode operations: names resolve to fresh inodes (the process table is the truth),
// directories list the live processes and their fds, files are generated on read.
#include "procfs/procfs.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/fd_table.hpp"
#include "fs/mount.hpp"
#include "fs/mount_table.hpp"
#include "fs/vfs.hpp"
#include "kernel/format.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "procfs/procfs_internal.hpp"

namespace procfs {

namespace {

using namespace linux_errno;
using namespace linux_abi;

struct Entry {
    const char* name;
    Kind kind;
    uint32_t mode;
};

constexpr Entry kRootFiles[] = {
    {"meminfo", Kind::Meminfo, smode::IFREG | 0444},
    {"cpuinfo", Kind::Cpuinfo, smode::IFREG | 0444},
    {"uptime", Kind::Uptime, smode::IFREG | 0444},
    {"loadavg", Kind::Loadavg, smode::IFREG | 0444},
    {"stat", Kind::Stat, smode::IFREG | 0444},
    {"version", Kind::Version, smode::IFREG | 0444},
    {"mounts", Kind::Mounts, smode::IFREG | 0444},
    {"filesystems", Kind::Filesystems, smode::IFREG | 0444},
    {"self", Kind::Self, smode::IFLNK | 0777},
    {"net", Kind::NetDir, smode::IFDIR | 0555},
};

constexpr Entry kNetFiles[] = {
    {"unix", Kind::NetUnix, smode::IFREG | 0444}, {"tcp", Kind::NetTcp, smode::IFREG | 0444},
    {"udp", Kind::NetUdp, smode::IFREG | 0444},   {"dev", Kind::NetDev, smode::IFREG | 0444},
    {"snmp", Kind::NetSnmp, smode::IFREG | 0444},
};

constexpr Entry kPidFiles[] = {
    {"stat", Kind::PidStat, smode::IFREG | 0444},
    {"status", Kind::PidStatus, smode::IFREG | 0444},
    {"cmdline", Kind::PidCmdline, smode::IFREG | 0444},
    {"comm", Kind::PidComm, smode::IFREG | 0644},
    {"exe", Kind::PidExe, smode::IFLNK | 0777},
    {"cwd", Kind::PidCwd, smode::IFLNK | 0777},
    {"fd", Kind::PidFdDir, smode::IFDIR | 0500},
};

extern const fs::InodeOps kOps;
constinit fs::SuperBlock g_sb = {&kOps, 0, 3, 1, 0};  // st_dev 0:3, like Linux's proc

ProcInode* as_node(fs::Inode* inode) {
    return static_cast<ProcInode*>(inode);
}

bool parse_number(fs::Name name, int32_t* out) {
    if (name.len == 0 || name.len > 9) return false;
    int32_t v = 0;
    for (size_t i = 0; i < name.len; ++i) {
        if (name.data[i] < '0' || name.data[i] > '9') return false;
        v = v * 10 + (name.data[i] - '0');
    }
    if (name.len > 1 && name.data[0] == '0') return false;
    *out = v;
    return true;
}

bool process_exists(int32_t pid) {
    LockGuard guard(proc::lock());
    Process* p = proc::find(pid);
    return p && !p->zombie;
}

bool fd_open(int32_t pid, int32_t fd) {
    LockGuard guard(proc::lock());
    Process* p = proc::find(pid);
    if (!p || p->zombie || !p->fds) return false;
    return fs::fd_next_open(p->fds, fd) == fd;
}

// A new node under `parent` (a reference is taken on it for directories).
ProcInode* make(fs::Inode* parent, Kind kind, uint32_t mode, int32_t pid, int32_t fd,
                fs::Name name) {
    ProcInode* n = static_cast<ProcInode*>(kzalloc(sizeof(ProcInode)));
    if (!n) return nullptr;
    fs::inode_init(n, &g_sb, mode);
    n->kind = kind;
    n->pid = pid;
    n->fd = fd;
    n->nlink = (mode & smode::IFMT) == smode::IFDIR ? 2 : 1;
    if ((mode & smode::IFMT) == smode::IFLNK) {
        char* buf = static_cast<char*>(kmalloc(kPathMax));  // not on the (small) kernel stack
        const int64_t len = buf ? link_target(n, buf, kPathMax - 1) : -ENOMEM;
        n->target = len > 0 ? static_cast<char*>(kmalloc(size_t(len) + 1)) : nullptr;
        if (!n->target) {
            kfree(buf);
            kfree(n);
            __atomic_sub_fetch(&g_sb.inodes, 1, __ATOMIC_RELAXED);
            return nullptr;
        }
        memcpy(n->target, buf, size_t(len));
        kfree(buf);
        n->target[len] = '\0';
        n->size = uint64_t(len);
    }
    if ((mode & smode::IFMT) == smode::IFDIR) {
        const size_t len = name.len < sizeof(n->name) ? name.len : sizeof(n->name) - 1;
        memcpy(n->name, name.data, len);
        n->dname = fs::Name{n->name, len};
        fs::inode_get(parent);
        n->parent = parent;
    }
    return n;
}

int lookup(fs::Inode* dir, fs::Name name, fs::Inode** out) {
    ProcInode* d = as_node(dir);
    auto found = [&](ProcInode* n) {
        if (!n) return -ENOENT;  // the process or fd went away (or no memory)
        *out = n;
        return 0;
    };
    if (d->kind == Kind::Root) {
        for (const Entry& e : kRootFiles) {
            if (kstreq_n(name.data, name.len, e.name)) {
                return found(make(dir, e.kind, e.mode, 0, 0, name));
            }
        }
        int32_t pid;
        if (parse_number(name, &pid) && process_exists(pid)) {
            return found(make(dir, Kind::PidDir, smode::IFDIR | 0555, pid, 0, name));
        }
        return -ENOENT;
    }
    if (d->kind == Kind::PidDir) {
        if (!process_exists(d->pid)) return -ENOENT;
        for (const Entry& e : kPidFiles) {
            if (kstreq_n(name.data, name.len, e.name)) {
                return found(make(dir, e.kind, e.mode, d->pid, 0, name));
            }
        }
        return -ENOENT;
    }
    if (d->kind == Kind::NetDir) {
        for (const Entry& e : kNetFiles) {
            if (kstreq_n(name.data, name.len, e.name)) {
                return found(make(dir, e.kind, e.mode, 0, 0, name));
            }
        }
        return -ENOENT;
    }
    if (d->kind == Kind::PidFdDir) {
        int32_t fd;
        if (parse_number(name, &fd) && fd_open(d->pid, fd)) {
            return found(make(dir, Kind::PidFdLink, smode::IFLNK | 0700, d->pid, fd, name));
        }
        return -ENOENT;
    }
    return -ENOTDIR;
}

int iterate(fs::Inode* dir, uint64_t cookie, fs::DirEmit emit, void* ctx) {
    ProcInode* d = as_node(dir);
    char buf[16];
    if (d->kind == Kind::Root) {
        // Cookies: 2.. for the fixed files, then 100 + pid.
        const uint64_t fixed = sizeof(kRootFiles) / sizeof(kRootFiles[0]);
        for (uint64_t i = cookie - 2; i < fixed && cookie - 2 <= i; ++i) {
            const Entry& e = kRootFiles[i];
            const uint8_t type = dtype_of_mode(e.mode);
            if (!emit(ctx, fs::Name{e.name, kstrnlen(e.name, 16)}, 0x1000 + i, type, i + 2)) {
                return 0;
            }
        }
        int32_t pids[kMaxProcesses];
        uint32_t n = 0;
        {
            LockGuard guard(proc::lock());
            for (Process* p = proc::first(); p && n < kMaxProcesses; p = proc::next(p)) {
                if (!p->zombie && uint64_t(p->pid) + 100 >= cookie) pids[n++] = p->pid;
            }
        }
        for (uint32_t i = 0; i < n; ++i) {
            const size_t len = format_to(buf, sizeof(buf), "%d", pids[i]);
            if (!emit(ctx, fs::Name{buf, len}, 0x10000 + uint64_t(pids[i]), dtype::DIR,
                      uint64_t(pids[i]) + 100)) {
                return 0;
            }
        }
        return 0;
    }
    if (d->kind == Kind::PidDir) {
        const uint64_t count = sizeof(kPidFiles) / sizeof(kPidFiles[0]);
        for (uint64_t i = cookie - 2; i < count; ++i) {
            const Entry& e = kPidFiles[i];
            const uint32_t t = e.mode & smode::IFMT;
            const uint8_t type = t == smode::IFLNK   ? dtype::LNK
                                 : t == smode::IFDIR ? dtype::DIR
                                                     : dtype::REG;
            if (!emit(ctx, fs::Name{e.name, kstrnlen(e.name, 16)}, 0x20000 + i, type, i + 2)) {
                return 0;
            }
        }
        return 0;
    }
    if (d->kind == Kind::NetDir) {
        const uint64_t count = sizeof(kNetFiles) / sizeof(kNetFiles[0]);
        for (uint64_t i = cookie - 2; i < count; ++i) {
            const Entry& e = kNetFiles[i];
            if (!emit(ctx, fs::Name{e.name, kstrnlen(e.name, 16)}, 0x1100 + i,
                      dtype_of_mode(e.mode), i + 2)) {
                return 0;
            }
        }
        return 0;
    }
    if (d->kind == Kind::PidFdDir) {
        int fds[256];
        uint32_t n = 0;
        {
            LockGuard guard(proc::lock());
            Process* p = proc::find(d->pid);
            if (!p || !p->fds) return 0;
            for (int fd = fs::fd_next_open(p->fds, int(cookie - 2)); fd >= 0 && n < 256;
                 fd = fs::fd_next_open(p->fds, fd + 1)) {
                fds[n++] = fd;
            }
        }
        for (uint32_t i = 0; i < n; ++i) {
            const size_t len = format_to(buf, sizeof(buf), "%d", fds[i]);
            if (!emit(ctx, fs::Name{buf, len}, 0x30000 + uint64_t(fds[i]), dtype::LNK,
                      uint64_t(fds[i]) + 2)) {
                return 0;
            }
        }
        return 0;
    }
    return -ENOTDIR;
}

int64_t readlink(fs::Inode* link, char* buf, size_t size) {
    const ProcInode* n = as_node(link);
    if (!n->target) return -EINVAL;
    const size_t len = n->size < size ? size_t(n->size) : size;
    memcpy(buf, n->target, len);
    return int64_t(len);
}

int64_t read(fs::Inode* file, void* buf, size_t len, uint64_t offset) {
    Text t;
    text_init(&t);
    const int r = generate(as_node(file), &t);
    if (r < 0 || t.failed) {
        text_free(&t);
        return r < 0 ? r : -ENOMEM;
    }
    int64_t n = 0;
    if (offset < t.len) {
        n = int64_t(t.len - offset < len ? t.len - offset : len);
        memcpy(buf, t.data + offset, size_t(n));
    }
    text_free(&t);
    return n;
}

int refuse_create(fs::Inode*, fs::Name, const fs::NewInode&, fs::Inode**) {
    return -EACCES;
}
int refuse_link(fs::Inode*, fs::Name, fs::Inode*) {
    return -EACCES;
}
int refuse_remove(fs::Inode*, fs::Name, fs::Inode*) {
    return -EACCES;
}
int refuse_rename(fs::Inode*, fs::Name, fs::Inode*, fs::Name, uint32_t) {
    return -EACCES;
}
int64_t refuse_write(fs::Inode*, const void*, size_t, uint64_t) {
    return -EACCES;
}
int refuse_truncate(fs::Inode*, uint64_t) {
    return -EACCES;
}
void* no_page(fs::Inode*, uint64_t, bool) {
    return nullptr;
}
int no_adopt(fs::Inode*, uint64_t, void*) {
    return -linux_errno::EINVAL;
}
void destroy(fs::Inode* inode) {
    __atomic_sub_fetch(&inode->sb->inodes, 1, __ATOMIC_RELAXED);
    kfree(as_node(inode)->target);
    kfree(inode);
}

constexpr fs::InodeOps kOps = {
    .lookup = lookup,
    .create = refuse_create,
    .link = refuse_link,
    .remove = refuse_remove,
    .rename = refuse_rename,
    .iterate = iterate,
    .readlink = readlink,
    .read = read,
    .write = refuse_write,
    .truncate = refuse_truncate,
    .get_page = no_page,
    .adopt_page = no_adopt,
    .destroy = destroy,
};

}  // namespace

int mount_proc() {
    ProcInode* root = static_cast<ProcInode*>(kzalloc(sizeof(ProcInode)));
    if (!root) return -ENOMEM;
    fs::inode_init(root, &g_sb, smode::IFDIR | 0555);
    root->kind = Kind::Root;
    root->nlink = 2;
    root->parent = root;  // no reference on itself
    root->dname = fs::Name{"", 0};
    fs::Inode* mountpoint = nullptr;
    int r = fs::vfs_lookup(fs::vfs_root(), "/proc", 0, true, &mountpoint);
    if (r == 0) {
        r = fs::vfs_mount(mountpoint, root);
        if (r == 0) r = fs::mount_record(mountpoint, root, "proc", "proc", false, nullptr);
        fs::inode_put(mountpoint);
    }
    fs::inode_put(root);
    return r;
}

}  // namespace procfs

// Shared by the procfs files: the kinds of node and how their text is made.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"

namespace procfs {

enum class Kind : uint8_t {
    Root,
    Self,  // symlink to <pid>
    PidDir,
    PidStat,
    PidStatus,
    PidCmdline,
    PidComm,
    PidExe,  // symlink
    PidCwd,  // symlink
    PidFdDir,
    PidFdLink,  // symlink
    Meminfo,
    Cpuinfo,
    Uptime,
    Loadavg,
    Stat,
    Version,
    Mounts,
    Filesystems,
    NetDir,   // /proc/net
    NetUnix,  // /proc/net/unix (guest/sock)
    NetTcp,   // /proc/net/tcp, udp, dev, snmp (guest/net)
    NetUdp,
    NetDev,
    NetSnmp,
};

struct ProcInode : fs::Inode {
    Kind kind;
    int32_t pid;
    int32_t fd;
    char name[16];  // dname storage for directories
    char* target;   // symlinks: the target, made at lookup (kmalloc'ed, NUL-terminated)
};

// A growing text buffer for file contents.
struct Text {
    char* data;
    size_t len, cap;
    bool failed;
};
void text_init(Text* t);
void text_free(Text* t);
[[gnu::format(printf, 2, 3)]] void text_printf(Text* t, const char* format, ...);
void text_bytes(Text* t, const void* data, size_t len);

// Fills `t` with the contents of a file node; -ESRCH when its process is gone.
int generate(const ProcInode* node, Text* t);
// The target of a symlink node into buf (no NUL); its length or -errno. Called at lookup,
// with the tree lock held (so directory paths are built without taking it).
int64_t link_target(const ProcInode* node, char* buf, size_t size);

}  // namespace procfs

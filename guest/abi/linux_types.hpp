// The x86-64 Linux ABI types and constants the file-system layer and its system calls share
// with user programs (values and layouts from Linux's include/uapi and arch/x86).
//
// Constants are grouped in small namespaces without libc's prefix (`oflag::CREAT` for O_CREAT,
// `smode::IFDIR` for S_IFDIR, `at::FDCWD` for AT_FDCWD ...): libc headers define the prefixed
// names as macros, and the host unit tests include both. For the same reason struct stat names
// its times st_atim/st_mtim/st_ctim (glibc's st_atime is a macro); the layout is the kernel's.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kNameMax = 255;   // NAME_MAX: bytes in one path component
inline constexpr uint32_t kPathMax = 4096;  // PATH_MAX: bytes in a path, with its NUL
inline constexpr uint32_t kMaxSymlinks = 40;
inline constexpr uint32_t kNofileDefault = 1024;  // RLIMIT_NOFILE (soft and hard)

// open(2) flags (x86-64 values).
namespace oflag {
inline constexpr uint32_t RDONLY = 00, WRONLY = 01, RDWR = 02, ACCMODE = 03, CREAT = 0100,
                          EXCL = 0200, NOCTTY = 0400, TRUNC = 01000, APPEND = 02000,
                          NONBLOCK = 04000, DSYNC = 010000, ASYNC = 020000, DIRECT = 040000,
                          LARGEFILE = 0100000, DIRECTORY = 0200000, NOFOLLOW = 0400000,
                          NOATIME = 01000000, CLOEXEC = 02000000, SYNC = 04010000, PATH = 010000000,
                          TMPFILE_BIT = 020000000, TMPFILE = TMPFILE_BIT | DIRECTORY;
}  // namespace oflag

// File type and permission bits of st_mode.
namespace smode {
inline constexpr uint32_t IFMT = 0170000, IFSOCK = 0140000, IFLNK = 0120000, IFREG = 0100000,
                          IFBLK = 0060000, IFDIR = 0040000, IFCHR = 0020000, IFIFO = 0010000,
                          ISUID = 04000, ISGID = 02000, ISVTX = 01000, IXGRP = 00010, PERMS = 07777;
}  // namespace smode

// The *at() family.
namespace at {
inline constexpr int FDCWD = -100;
inline constexpr uint32_t SYMLINK_NOFOLLOW = 0x100, REMOVEDIR = 0x200, EACCESS = 0x200,
                          SYMLINK_FOLLOW = 0x400, NO_AUTOMOUNT = 0x800, EMPTY_PATH = 0x1000,
                          STATX_SYNC_TYPE = 0x6000;
}  // namespace at

// access(2) modes (F_OK, X_OK, W_OK, R_OK).
namespace access_mode {
inline constexpr uint32_t EXISTS = 0, EXEC = 1, WRITE = 2, READ = 4;
}

// lseek(2) whence.
namespace seek {
inline constexpr int SET = 0, CUR = 1, END = 2, DATA = 3, HOLE = 4;
}

// linux_dirent64::d_type.
namespace dtype {
inline constexpr uint8_t UNKNOWN = 0, FIFO = 1, CHR = 2, DIR = 4, BLK = 6, REG = 8, LNK = 10,
                         SOCK = 12;
}

// renameat2(2) flags.
namespace rename_flag {
inline constexpr uint32_t NOREPLACE = 1, EXCHANGE = 2, WHITEOUT = 4;
}

// fcntl(2) commands and FD_CLOEXEC.
namespace fcntl_cmd {
inline constexpr int DUPFD = 0, GETFD = 1, SETFD = 2, GETFL = 3, SETFL = 4, DUPFD_CLOEXEC = 1030;
inline constexpr uint32_t FD_CLOEXEC_FLAG = 1;
}  // namespace fcntl_cmd

// poll(2) event bits.
namespace poll_event {
inline constexpr uint32_t IN = 0x1, PRI = 0x2, OUT = 0x4, ERR = 0x8, HUP = 0x10, NVAL = 0x20,
                          RDNORM = 0x40, RDBAND = 0x80, WRNORM = 0x100, WRBAND = 0x200;
}

// utimensat(2) special tv_nsec values.
namespace utime {
inline constexpr int64_t NOW = (int64_t{1} << 30) - 1, OMIT = (int64_t{1} << 30) - 2;
}

// statx(2) mask bits.
namespace statx_mask {
inline constexpr uint32_t TYPE = 0x1, MODE = 0x2, NLINK = 0x4, UID = 0x8, GID = 0x10, ATIME = 0x20,
                          MTIME = 0x40, CTIME = 0x80, INO = 0x100, SIZE = 0x200, BLOCKS = 0x400,
                          BASIC_STATS = 0x7ff, BTIME = 0x800, MNT_ID = 0x1000,
                          RESERVED = 0x80000000u;
}  // namespace statx_mask

struct timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
static_assert(sizeof(timespec) == 16);

// struct stat as the x86-64 kernel writes it (arch/x86/include/uapi/asm/stat.h).
struct stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    int32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;  // 512-byte units
    timespec st_atim;
    timespec st_mtim;
    timespec st_ctim;
    int64_t unused[3];
};
static_assert(sizeof(stat) == 144);
static_assert(offsetof(stat, st_mode) == 24 && offsetof(stat, st_rdev) == 40);
static_assert(offsetof(stat, st_size) == 48 && offsetof(stat, st_blocks) == 64);
static_assert(offsetof(stat, st_atim) == 72 && offsetof(stat, st_mtim) == 88);
static_assert(offsetof(stat, st_ctim) == 104);

struct statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
static_assert(sizeof(statx_timestamp) == 16);

struct statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    statx_timestamp stx_atime;
    statx_timestamp stx_btime;
    statx_timestamp stx_ctime;
    statx_timestamp stx_mtime;
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align;
    uint32_t stx_dio_offset_align;
    uint64_t spare3[12];
};
static_assert(sizeof(statx) == 256);
static_assert(offsetof(statx, stx_mode) == 28 && offsetof(statx, stx_ino) == 32);
static_assert(offsetof(statx, stx_atime) == 64 && offsetof(statx, stx_mtime) == 112);
static_assert(offsetof(statx, stx_rdev_major) == 128 && offsetof(statx, stx_mnt_id) == 144);

// One getdents64 record: the 19-byte header, the NUL-terminated name, padding to 8 bytes.
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;  // the offset to continue from (lseek/getdents64) after this entry
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[1];
};
inline constexpr size_t kDirent64HeaderBytes = 19;
static_assert(offsetof(linux_dirent64, d_name) == kDirent64HeaderBytes);

// dev_t as stat reports it on x86-64 (new_encode_dev: 12-bit major, 20-bit minor in 32 bits),
// and its decoding for mknod.
inline constexpr uint64_t encode_dev(uint32_t dev_major, uint32_t dev_minor) {
    return (dev_minor & 0xffu) | ((dev_major & 0xfffu) << 8) | ((dev_minor & ~0xffu) << 12);
}
inline constexpr uint32_t dev_major_of(uint64_t dev) {
    return uint32_t((dev & 0xfff00) >> 8);
}
inline constexpr uint32_t dev_minor_of(uint64_t dev) {
    return uint32_t((dev & 0xff) | ((dev >> 12) & 0xfff00));
}
static_assert(encode_dev(1, 3) == 0x103 && encode_dev(136, 300) == 0x10882c);
static_assert(dev_major_of(encode_dev(4095, 0xfffff)) == 4095);
static_assert(dev_minor_of(encode_dev(4095, 0xfffff)) == 0xfffff);

// d_type from st_mode's type bits.
inline constexpr uint8_t dtype_of_mode(uint32_t mode) {
    return uint8_t((mode & smode::IFMT) >> 12);
}
static_assert(dtype_of_mode(smode::IFDIR) == dtype::DIR &&
              dtype_of_mode(smode::IFLNK) == dtype::LNK);

}  // namespace linux_abi

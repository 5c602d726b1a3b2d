// The ext2 on-disk format: constants, the fields Domus reads and writes at their byte offsets,
// and little-endian accessors over raw bytes. Every structure is decoded from a byte buffer
// with explicit offsets (no packed structs cast over untrusted memory), so a damaged image can
// produce wrong values but never an unaligned or out-of-bounds access. x86-64 is little-endian.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fs::ext2 {

inline uint16_t ld16(const uint8_t* p) {
    return uint16_t(p[0] | (p[1] << 8));
}
inline uint32_t ld32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline void st16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
inline void st32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
    p[2] = uint8_t(v >> 16);
    p[3] = uint8_t(v >> 24);
}

inline constexpr uint16_t kMagic = 0xef53;
inline constexpr uint64_t kSuperOffset = 1024;  // bytes from the start of the device
inline constexpr uint32_t kSuperSize = 1024;
inline constexpr uint32_t kRootIno = 2;
inline constexpr uint32_t kGoodOldFirstIno = 11;
inline constexpr uint32_t kGoodOldInodeSize = 128;
inline constexpr uint32_t kNDirBlocks = 12;
inline constexpr uint32_t kIndBlock = 12, kDindBlock = 13, kTindBlock = 14, kNBlocks = 15;
inline constexpr uint32_t kDescSize = 32;
inline constexpr uint32_t kMaxNameLen = 255;
inline constexpr uint32_t kFastSymlinkMax = 59;  // fits i_block (60 bytes) with its NUL

// Superblock fields (offsets in the 1024-byte superblock).
namespace sb {
inline constexpr size_t inodes_count = 0, blocks_count = 4, r_blocks_count = 8,
                        free_blocks_count = 12, free_inodes_count = 16, first_data_block = 20,
                        log_block_size = 24, log_frag_size = 28, blocks_per_group = 32,
                        inodes_per_group = 40, mtime = 44, wtime = 48, mnt_count = 52,
                        max_mnt_count = 54, magic = 56, state = 58, errors = 60, rev_level = 76,
                        first_ino = 84, inode_size = 88, feature_compat = 92, feature_incompat = 96,
                        feature_ro_compat = 100, reserved_gdt_blocks = 206;
}  // namespace sb

inline constexpr uint16_t kStateValid = 1, kStateError = 2;

// Features. COMPAT ones never matter to a reader or writer of ext2 (dir_index: htree
// directories are also valid linear directories; resize_inode: reserved GDT blocks are marked
// used; ext_attr: i_file_acl blocks are reference counted, see ext2_inode.cpp).
inline constexpr uint32_t kIncompatCompression = 0x1, kIncompatFiletype = 0x2,
                          kIncompatRecover = 0x4, kIncompatJournalDev = 0x8, kIncompatMetaBg = 0x10,
                          kIncompatExtents = 0x40, kIncompat64Bit = 0x80, kIncompatMmp = 0x100,
                          kIncompatFlexBg = 0x200, kIncompatEaInode = 0x400,
                          kIncompatDirData = 0x1000, kIncompatCsumSeed = 0x2000,
                          kIncompatLargeDir = 0x4000, kIncompatInlineData = 0x8000,
                          kIncompatEncrypt = 0x10000, kIncompatCasefold = 0x20000;
inline constexpr uint32_t kIncompatSupported = kIncompatFiletype;
inline constexpr uint32_t kRoCompatSparseSuper = 0x1, kRoCompatLargeFile = 0x2;
inline constexpr uint32_t kRoCompatSupported = kRoCompatSparseSuper | kRoCompatLargeFile;
inline constexpr uint32_t kCompatHasJournal = 0x4;

// Group descriptor fields.
namespace gd {
inline constexpr size_t block_bitmap = 0, inode_bitmap = 4, inode_table = 8, free_blocks_count = 12,
                        free_inodes_count = 14, used_dirs_count = 16, flags = 18;
}  // namespace gd

// Inode fields (the first 128 bytes; larger inodes keep the rest untouched).
namespace in {
inline constexpr size_t mode = 0, uid = 2, size = 4, atime = 8, ctime = 12, mtime = 16, dtime = 20,
                        gid = 24, links_count = 26, blocks = 28, flags = 32, block = 40,
                        generation = 100, file_acl = 104, size_high = 108, uid_high = 120,
                        gid_high = 122, extra_isize = 128;
}  // namespace in

inline constexpr uint32_t kIndexFl = 0x1000;  // htree directory
inline constexpr uint32_t kExtentsFl = 0x80000;
inline constexpr uint32_t kInlineDataFl = 0x10000000;

// Directory entries: inode u32, rec_len u16, name_len u8, file_type u8 (name_len u16 without
// the filetype feature), then the name; 4-byte aligned.
inline constexpr uint32_t kDirentHeader = 8;
inline constexpr uint32_t dirent_size(uint32_t name_len) {
    return (kDirentHeader + name_len + 3) & ~3u;
}
inline constexpr uint8_t kFtUnknown = 0, kFtReg = 1, kFtDir = 2, kFtChr = 3, kFtBlk = 4,
                         kFtFifo = 5, kFtSock = 6, kFtSymlink = 7;

// Extended-attribute block header (i_file_acl).
inline constexpr uint32_t kXattrMagic = 0xea020000;
inline constexpr size_t kXattrRefcount = 4;

// Whether group `g` holds a superblock and GDT backup (sparse_super: 0, 1, powers of 3, 5, 7).
inline bool group_has_super(uint32_t g, bool sparse) {
    if (!sparse || g <= 1) return true;
    const uint32_t bases[3] = {3, 5, 7};
    for (uint32_t base : bases) {
        uint64_t p = base;
        while (p < g) p *= base;
        if (p == g) return true;
    }
    return false;
}

}  // namespace fs::ext2

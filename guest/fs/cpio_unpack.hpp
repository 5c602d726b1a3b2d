// Unpacks an initramfs (an uncompressed newc cpio archive, possibly several concatenated)
// into a directory, with Linux's initramfs semantics: entries are created in order, missing
// parent directories are made (0755), a later entry replaces an earlier one of the same name
// (a directory is kept and gets the new attributes), entries with nlink >= 2 and the same
// (ino, dev, mode) become hard links of the first one (the data, which GNU cpio stores with
// the last link, is written into the shared file), and owner, permissions and modification
// time are applied (directories' times last, after their entries are in).
//
// The whole archive is validated first (fs/cpio_parse.hpp): a malformed one creates nothing.
// An entry that cannot be created (a component over 255 bytes, a parent that is a file, a
// non-empty directory to replace) is skipped and counted, as Linux ignores it; running out of
// memory stops the unpacking. Names are resolved from `root`; symlinks met on the way are
// followed (an absolute target from vfs_root(), which `root` should be).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"

namespace fs {

struct CpioStats {
    uint32_t entries;
    uint32_t directories;
    uint32_t files;
    uint32_t symlinks;
    uint32_t nodes;       // devices, FIFOs, sockets
    uint32_t hard_links;  // names added to an earlier entry's file
    uint32_t skipped;
    uint64_t bytes;          // file data written or adopted
    uint64_t adopted_pages;  // pages of file data taken over from the archive
    // A malformed archive (-EINVAL): the reason and the byte offset of the header.
    const char* error;
    size_t error_offset;
    // The first skipped entry (a pointer into the archive) and its -errno.
    const char* first_skipped;
    int first_skipped_error;
};

// Offered each page-aligned whole page of a regular file's data inside the archive: true when
// the page is now an ordinary kernel page (reference count 1, page_free releases it), which
// the file then keeps instead of a copy; false to have it copied. The archive must then stay
// in place, untouched by anything else, until cpio_unpack returns; the pages taken are no
// longer the caller's (mm/phys.hpp adopt() is the guest's).
using CpioAdoptPage = bool (*)(void* page);

// 0 on success (some entries may have been skipped: stats->skipped), -EINVAL for a malformed
// archive (nothing created), -ENOMEM/-ENOSPC when memory ran out (unpacked in part).
int cpio_unpack(Inode* root, const void* archive, size_t size, CpioStats* stats,
                CpioAdoptPage adopt = nullptr);

}  // namespace fs

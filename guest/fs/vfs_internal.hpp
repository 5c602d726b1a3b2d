// Helpers shared by the vfs_*.cpp files (not part of the fs layer's interface).
#pragma once

#include <stdint.h>

#include "fs/inode.hpp"

namespace fs {

// Resolves `path` from `dir` to a new reference (takes the tree lock). With `empty_path` and
// an empty path: `dir` itself. lookup_flags: kLookupFollow, kLookupDirectory.
int vfs_resolve(Inode* dir, const char* path, bool empty_path, uint32_t lookup_flags, Inode** out);

// The path flags of the stat/chmod/chown/utimens family: -EINVAL for bits outside `allowed`;
// else *empty_path and the lookup flags (kLookupFollow unless SYMLINK_NOFOLLOW).
int vfs_at_flags(uint32_t at_flags, uint32_t allowed, bool* empty_path, uint32_t* lookup_flags);

}  // namespace fs

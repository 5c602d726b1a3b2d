// Path resolution with Linux's semantics: absolute ("/" is vfs_root()) and relative paths,
// repeated slashes, "." and ".." (".." at the root stays there; it crosses mounts), symlinks
// followed in the middle of a path and, on request, at its end (40 at most per resolution:
// ELOOP), a trailing slash requiring a directory (and following a final symlink),
// ENAMETOOLONG for a component over 255 bytes or a path of 4096 bytes or more, ENOTDIR for a
// component that is not a directory, ENOENT for an empty path or symlink target.
// Search permission is not checked (every process runs as root).
//
// Every function here is called with the tree lock held.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux_types.hpp"
#include "fs/inode.hpp"

namespace fs {

// What the last component of a path is.
enum class LastType : uint8_t { Normal, Dot, DotDot, Root };

// A path resolved up to its last component (what creating, removing and renaming need).
struct PathParent {
    Inode* dir;  // a reference: the directory that holds (or would hold) the last component
    LastType type;
    bool trailing_slash;
    uint32_t len;                        // of name (0 for Root)
    char name[linux_abi::kNameMax + 1];  // NUL-terminated; "." or ".." for those types
    Name last() const { return Name{name, len}; }
};

// State shared by the steps of one resolution (the symlink budget).
struct PathWalk {
    uint32_t links = 0;
};

// Resolves all but the last component of `path`. Relative paths start at `start` (a cwd or a
// dirfd's inode; nullptr gives -EBADF). On success out->dir holds a reference the caller puts.
int path_walk_parent(Inode* start, const char* path, PathWalk* walk, PathParent* out);

// The inode the last component of `p` names (a new reference), without following a symlink;
// -ENOENT when it does not exist.
int path_child(const PathParent& p, Inode** out);

// `link` is the symlink `p` names: re-targets `p` at the last component of its target
// (resolved from p->dir). A trailing slash of `p` carries over.
int path_follow(PathParent* p, Inode* link, PathWalk* walk);

inline constexpr uint32_t kLookupFollow = 1;     // follow a final symlink
inline constexpr uint32_t kLookupDirectory = 2;  // the result must be a directory (ENOTDIR)

// Resolves the whole path to an inode (a new reference).
int path_lookup(Inode* start, const char* path, uint32_t flags, Inode** out);

}  // namespace fs

#include "fs/path.hpp"

#include "abi/errno.hpp"
#include "fs/mount.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

using linux_abi::kMaxSymlinks;
using linux_abi::kNameMax;
using linux_abi::kPathMax;

// Reads a symlink's target into a new NUL-terminated buffer (kfree it).
int read_link(Inode* link, char** out) {
    const uint64_t size = link->size;
    if (size == 0) return -linux_errno::ENOENT;
    if (size >= kPathMax) return -linux_errno::ENAMETOOLONG;
    auto* body = static_cast<char*>(kmalloc(size + 1));
    if (body == nullptr) return -linux_errno::ENOMEM;
    const int64_t n = link->ops->readlink(link, body, size);
    if (n <= 0) {
        kfree(body);
        return n < 0 ? int(n) : -linux_errno::ENOENT;
    }
    body[n] = '\0';
    *out = body;
    return 0;
}

// Replaces the reference in *slot with `next` (which gets one).
void move_to(Inode** slot, Inode* next) {
    inode_get(next);
    inode_put(*slot);
    *slot = next;
}

// One resolution in progress: the current directory and the stack of symlink bodies being
// walked (each frame: the body's buffer and where to resume in the text that named it).
class Walker {
  public:
    Walker(Inode* cur, PathWalk* walk) : cur_(cur), walk_(walk) {}
    ~Walker() {
        for (uint32_t i = 0; i < depth_; ++i) kfree(frames_[i].body);
        inode_put(cur_);
    }

    int run(const char* path, PathParent* out);

  private:
    int step(const char* name, size_t len, const char** p, const char* rest);
    int enter_link(Inode* link, const char** p, const char* rest);

    struct Frame {
        char* body;
        const char* resume;
    };
    Inode* cur_;  // a reference
    PathWalk* walk_;
    Frame frames_[kMaxSymlinks + 1];
    uint32_t depth_ = 0;
};

int Walker::run(const char* path, PathParent* out) {
    const char* p = path;
    for (;;) {
        while (*p == '/') ++p;
        if (*p == '\0') {
            if (depth_ > 0) {  // a symlink body is done: resume after the link's name
                --depth_;
                kfree(frames_[depth_].body);
                p = frames_[depth_].resume;
                continue;
            }
            // Only slashes: the path names the root ("/").
            out->type = LastType::Root;
            out->len = 0;
            out->name[0] = '\0';
            out->trailing_slash = false;
            break;
        }
        const char* end = p;
        while (*end != '\0' && *end != '/') ++end;
        const size_t len = size_t(end - p);
        if (len > kNameMax) return -linux_errno::ENAMETOOLONG;
        const char* rest = end;
        while (*rest == '/') ++rest;
        if (*rest == '\0' && depth_ == 0) {  // the last component of the path
            memcpy(out->name, p, len);
            out->name[len] = '\0';
            out->len = uint32_t(len);
            out->trailing_slash = rest != end;
            out->type = kstreq_n(p, len, ".")    ? LastType::Dot
                        : kstreq_n(p, len, "..") ? LastType::DotDot
                                                 : LastType::Normal;
            break;
        }
        const int err = step(p, len, &p, rest);
        if (err < 0) return err;
    }
    if (!is_dir(cur_)) return -linux_errno::ENOTDIR;
    out->dir = cur_;
    cur_ = nullptr;
    return 0;
}

// A component in the middle of the path: the current inode must be a directory.
int Walker::step(const char* name, size_t len, const char** p, const char* rest) {
    if (!is_dir(cur_)) return -linux_errno::ENOTDIR;
    *p = rest;
    if (kstreq_n(name, len, ".")) return 0;
    if (kstreq_n(name, len, "..")) {
        move_to(&cur_, path_parent_of(cur_));
        return 0;
    }
    Inode* child = nullptr;
    const int err = cur_->ops->lookup(cur_, Name{name, len}, &child);
    if (err < 0) return err;
    move_to(&child, mount_top(child));
    if (is_symlink(child)) {
        const int link_err = enter_link(child, p, rest);
        inode_put(child);
        return link_err;
    }
    inode_put(cur_);
    cur_ = child;
    return 0;
}

// Continues the walk in the target of `link`, then after it at `rest`.
int Walker::enter_link(Inode* link, const char** p, const char* rest) {
    if (++walk_->links > kMaxSymlinks || depth_ > kMaxSymlinks) return -linux_errno::ELOOP;
    char* body = nullptr;
    const int err = read_link(link, &body);
    if (err < 0) return err;
    frames_[depth_++] = {body, rest};
    *p = body;
    if (body[0] == '/') move_to(&cur_, vfs_root());
    return 0;
}

}  // namespace

int path_walk_parent(Inode* start, const char* path, PathWalk* walk, PathParent* out) {
    const size_t length = kstrnlen(path, kPathMax);
    if (length >= kPathMax) return -linux_errno::ENAMETOOLONG;
    if (length == 0) return -linux_errno::ENOENT;
    Inode* first = path[0] == '/' ? vfs_root() : start;
    if (first == nullptr) return -linux_errno::EBADF;
    inode_get(first);
    Walker walker(first, walk);
    return walker.run(path, out);
}

int path_child(const PathParent& p, Inode** out) {
    Inode* result;
    switch (p.type) {
        case LastType::Root:
        case LastType::Dot:
            result = p.dir;
            break;
        case LastType::DotDot:
            result = path_parent_of(p.dir);
            break;
        case LastType::Normal:
        default: {
            Inode* child = nullptr;
            const int err = p.dir->ops->lookup(p.dir, p.last(), &child);
            if (err < 0) return err;
            *out = mount_top(child);
            if (*out != child) {
                inode_get(*out);
                inode_put(child);
            }
            return 0;
        }
    }
    inode_get(result);
    *out = result;
    return 0;
}

int path_follow(PathParent* p, Inode* link, PathWalk* walk) {
    if (++walk->links > kMaxSymlinks) return -linux_errno::ELOOP;
    char* body = nullptr;
    int err = read_link(link, &body);
    if (err < 0) return err;
    PathParent next;
    err = path_walk_parent(p->dir, body, walk, &next);
    kfree(body);
    if (err < 0) return err;
    next.trailing_slash = next.trailing_slash || p->trailing_slash;
    inode_put(p->dir);
    *p = next;
    return 0;
}

int path_lookup(Inode* start, const char* path, uint32_t flags, Inode** out) {
    PathWalk walk;
    PathParent p;
    int err = path_walk_parent(start, path, &walk, &p);
    if (err < 0) return err;
    Inode* inode = nullptr;
    for (;;) {
        err = path_child(p, &inode);
        if (err < 0) break;
        if (!is_symlink(inode) || !((flags & kLookupFollow) || p.trailing_slash)) break;
        err = path_follow(&p, inode, &walk);
        inode_put(inode);
        inode = nullptr;
        if (err < 0) break;
    }
    if (err == 0 && (p.trailing_slash || (flags & kLookupDirectory)) && !is_dir(inode)) {
        inode_put(inode);
        err = -linux_errno::ENOTDIR;
    }
    inode_put(p.dir);
    if (err == 0) *out = inode;
    return err;
}

}  // namespace fs

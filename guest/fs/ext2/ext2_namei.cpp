// ext2's directory operations for the VFS (lookup, create, link, remove, rename, iterate) and
// its InodeOps table. The VFS holds the tree lock and has made the semantic checks; each
// operation takes the instance's lock for its whole duration.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs::ext2 {

namespace {

namespace smode = linux_abi::smode;

void set_nlink(Inode* inode, uint32_t n) {
    __atomic_store_n(&inode->nlink, n, __ATOMIC_RELAXED);
}

int e_lookup(Inode* dir_base, Name name, Inode** out) {
    Ext2Fs* fs = efs(dir_base);
    Ext2Inode* dir = ei(dir_base);
    LockGuard guard(fs->lock);
    uint32_t ino = 0;
    uint64_t offset = 0;
    int err = dir_find(fs, dir, name, &ino, &offset);
    if (err < 0) return err;
    Ext2Inode* inode = nullptr;
    err = iget(fs, ino, &inode);
    if (err < 0) return err;
    if (is_dir(inode)) {
        if (inode->parent == nullptr) {
            char* copy = dup_name(name);
            if (copy == nullptr) {
                // Only just read (a directory in use elsewhere has its parent): drop it.
                if (__atomic_load_n(&inode->refs, __ATOMIC_ACQUIRE) == 1) {
                    free_inode_struct(fs, inode);
                } else {
                    unref(inode);
                }
                return -linux_errno::ENOMEM;
            }
            set_dir_parent(inode, dir, copy, name.len);
        } else if (inode->parent != dir) {
            unref(inode);  // cached and named elsewhere: someone else holds it
            return fs_error(fs, "directory with two names");
        }
    }
    *out = inode;
    return 0;
}

// 0 when `dir` has no entry `name`; -EEXIST when it has, or the error reading it.
int name_free(Ext2Fs* fs, Ext2Inode* dir, Name name) {
    uint32_t ino = 0;
    uint64_t offset = 0;
    const int err = dir_find(fs, dir, name, &ino, &offset);
    if (err == 0) return -linux_errno::EEXIST;
    return err == -linux_errno::ENOENT ? 0 : err;
}

int e_create(Inode* dir_base, Name name, const NewInode& spec, Inode** out) {
    Ext2Fs* fs = efs(dir_base);
    Ext2Inode* dir = ei(dir_base);
    LockGuard guard(fs->lock);
    if (const int err = can_write(fs); err < 0) return err;
    int err = name_free(fs, dir, name);
    if (err < 0) return err;
    const uint32_t type = spec.mode & smode::IFMT;
    if (type == smode::IFDIR && dir->nlink >= kLinkMax) return -linux_errno::EMLINK;
    if (type == smode::IFLNK && spec.symlink_len >= fs->block_size) {
        return -linux_errno::ENAMETOOLONG;
    }
    char* copy = nullptr;
    if (type == smode::IFDIR && (copy = dup_name(name)) == nullptr) return -linux_errno::ENOMEM;
    Ext2Inode* inode = nullptr;
    err = new_inode(fs, dir, spec, &inode);
    if (err < 0) {
        kfree(copy);
        return err;
    }
    if (type == smode::IFDIR) {
        set_nlink(inode, 2);
        err = dir_init(fs, inode, uint32_t(dir->ino));
    } else {
        set_nlink(inode, 1);
        if (type == smode::IFLNK) {
            err = symlink_write(fs, inode, spec.symlink_target, spec.symlink_len);
        }
    }
    if (err == 0) err = store_inode(fs, inode);
    if (err == 0) err = dir_add(fs, dir, name, uint32_t(inode->ino), mode_to_ftype(spec.mode));
    if (err < 0) {
        kfree(copy);
        discard_inode(fs, inode);
        return err;
    }
    if (type == smode::IFDIR) {
        set_dir_parent(inode, dir, copy, name.len);
        set_nlink(dir, dir->nlink + 1);
    }
    store_inode(fs, dir);
    *out = inode;
    return 0;
}

int e_link(Inode* dir_base, Name name, Inode* target) {
    Ext2Fs* fs = efs(dir_base);
    Ext2Inode* dir = ei(dir_base);
    LockGuard guard(fs->lock);
    if (const int err = can_write(fs); err < 0) return err;
    int err = name_free(fs, dir, name);
    if (err < 0) return err;
    if (target->nlink >= kLinkMax) return -linux_errno::EMLINK;
    err = dir_add(fs, dir, name, uint32_t(target->ino), mode_to_ftype(target->mode));
    if (err < 0) return err;
    set_nlink(target, target->nlink + 1);
    store_inode(fs, ei(target));
    return store_inode(fs, dir);
}

// The link counts of `victim`, whose entry in `dir` is gone.
void unlinked(Ext2Fs* fs, Ext2Inode* dir, Ext2Inode* victim) {
    if (is_dir(victim)) {
        set_nlink(victim, 0);
        victim->dname = {nullptr, 0};
        if (dir->nlink > 0) set_nlink(dir, dir->nlink - 1);
    } else if (victim->nlink > 0) {
        set_nlink(victim, victim->nlink - 1);
    }
    store_inode(fs, victim);
    store_inode(fs, dir);
}

int e_remove(Inode* dir_base, Name name, Inode* victim_base) {
    Ext2Fs* fs = efs(dir_base);
    Ext2Inode* dir = ei(dir_base);
    Ext2Inode* victim = ei(victim_base);
    LockGuard guard(fs->lock);
    if (const int err = can_write(fs); err < 0) return err;
    uint32_t ino = 0;
    uint64_t offset = 0;
    int err = dir_find(fs, dir, name, &ino, &offset);
    if (err < 0) return err;
    if (ino != victim->ino) return -linux_errno::ENOENT;
    if (is_dir(victim)) {
        err = dir_is_empty(fs, victim);
        if (err < 0) return err;
        if (err == 0) return -linux_errno::ENOTEMPTY;
    }
    err = dir_remove_at(fs, dir, offset);
    if (err < 0) return err;
    unlinked(fs, dir, victim);
    return 0;
}

// A directory moved (or renamed) into `to` as `name`: its "..", parent pointer and name
// (`copy`, from dup_name, is taken either way).
int moved(Ext2Fs* fs, Ext2Inode* child, Ext2Inode* from, Ext2Inode* to, Name name, char* copy) {
    if (from != to) {
        const int err = dir_set_dotdot(fs, child, uint32_t(to->ino));
        if (err < 0) {
            kfree(copy);
            return err;
        }
    }
    set_dir_parent(child, to, copy, name.len);
    return 0;
}

int exchange(Ext2Fs* fs, Ext2Inode* old_dir, uint64_t ooff, Ext2Inode* a, Ext2Inode* new_dir,
             uint64_t noff, Ext2Inode* b, Name old_name, Name new_name) {
    char* a_name = is_dir(a) ? dup_name(new_name) : nullptr;
    char* b_name = is_dir(b) ? dup_name(old_name) : nullptr;
    if ((is_dir(a) && a_name == nullptr) || (is_dir(b) && b_name == nullptr)) {
        kfree(a_name);
        kfree(b_name);
        return -linux_errno::ENOMEM;
    }
    int err = dir_set_at(fs, old_dir, ooff, uint32_t(b->ino), mode_to_ftype(b->mode));
    if (err == 0) err = dir_set_at(fs, new_dir, noff, uint32_t(a->ino), mode_to_ftype(a->mode));
    if (err == 0 && is_dir(a)) {
        err = moved(fs, a, old_dir, new_dir, new_name, a_name);
        a_name = nullptr;
    }
    if (err == 0 && is_dir(b)) {
        err = moved(fs, b, new_dir, old_dir, old_name, b_name);
        b_name = nullptr;
    }
    kfree(a_name);
    kfree(b_name);
    if (err < 0) return err;
    if (old_dir != new_dir && is_dir(a) != is_dir(b)) {
        const int delta = is_dir(a) ? 1 : -1;
        set_nlink(new_dir, uint32_t(int64_t(new_dir->nlink) + delta));
        set_nlink(old_dir, uint32_t(int64_t(old_dir->nlink) - delta));
    }
    store_inode(fs, old_dir);
    store_inode(fs, new_dir);
    return 0;
}

int e_rename(Inode* old_base, Name old_name, Inode* new_base, Name new_name, uint32_t flags) {
    Ext2Fs* fs = efs(old_base);
    Ext2Inode* old_dir = ei(old_base);
    Ext2Inode* new_dir = ei(new_base);
    LockGuard guard(fs->lock);
    if (const int err = can_write(fs); err < 0) return err;
    uint32_t oino = 0, nino = 0;
    uint64_t ooff = 0, noff = 0;
    int err = dir_find(fs, old_dir, old_name, &oino, &ooff);
    if (err < 0) return err;
    err = dir_find(fs, new_dir, new_name, &nino, &noff);
    if (err < 0 && err != -linux_errno::ENOENT) return err;
    const bool target_exists = err == 0;
    if (flags & linux_abi::rename_flag::EXCHANGE) {
        if (!target_exists) return -linux_errno::ENOENT;
    }
    if (target_exists && nino == oino) return 0;
    // Both inodes are referenced by the VFS (cached): these references are never the last.
    Ext2Inode* source = nullptr;
    err = iget(fs, oino, &source);
    if (err < 0) return err;
    Ext2Inode* victim = nullptr;
    if (target_exists) {
        err = iget(fs, nino, &victim);
        if (err < 0) {
            unref(source);
            return err;
        }
    }
    if (flags & linux_abi::rename_flag::EXCHANGE) {
        err = exchange(fs, old_dir, ooff, source, new_dir, noff, victim, old_name, new_name);
    } else {
        char* copy = nullptr;
        if (is_dir(source) && (copy = dup_name(new_name)) == nullptr) err = -linux_errno::ENOMEM;
        if (err == 0 && victim != nullptr && is_dir(victim)) {
            err = dir_is_empty(fs, victim);
            err = err < 0 ? err : (err == 0 ? -linux_errno::ENOTEMPTY : 0);
        }
        if (err == 0) {
            err = victim != nullptr
                      ? dir_set_at(fs, new_dir, noff, oino, mode_to_ftype(source->mode))
                      : dir_add(fs, new_dir, new_name, oino, mode_to_ftype(source->mode));
        }
        // The new entry may have split the old one's block: find the old entry again.
        if (err == 0) err = dir_find(fs, old_dir, old_name, &oino, &ooff);
        if (err == 0) err = dir_remove_at(fs, old_dir, ooff);
        if (err == 0 && victim != nullptr) unlinked(fs, new_dir, victim);
        if (err == 0 && is_dir(source)) {
            err = moved(fs, source, old_dir, new_dir, new_name, copy);
            copy = nullptr;
            if (err == 0 && old_dir != new_dir) {
                set_nlink(old_dir, old_dir->nlink - 1);
                set_nlink(new_dir, new_dir->nlink + 1);
            }
        }
        kfree(copy);
        store_inode(fs, old_dir);
        store_inode(fs, new_dir);
    }
    store_inode(fs, source);
    unref(source);
    if (victim != nullptr) unref(victim);
    return err;
}

int e_iterate(Inode* dir_base, uint64_t cookie, DirEmit emit, void* ctx) {
    Ext2Fs* fs = efs(dir_base);
    LockGuard guard(fs->lock);
    return dir_iterate(fs, ei(dir_base), cookie, emit, ctx);
}

}  // namespace

constinit const InodeOps kExt2Ops = {
    .lookup = e_lookup,
    .create = e_create,
    .link = e_link,
    .remove = e_remove,
    .rename = e_rename,
    .iterate = e_iterate,
    .readlink = link_readlink,
    .read = file_read,
    .write = file_write,
    .truncate = file_truncate,
    .get_page = file_get_page,
    .adopt_page = file_adopt_page,
    .pin_pages = file_pin_pages,
    .write_buffer = file_write_buffer,
    .destroy = destroy_inode,
    .fsync = fsync_inode,
};

}  // namespace fs::ext2

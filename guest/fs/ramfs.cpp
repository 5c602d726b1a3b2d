#include "fs/ramfs.hpp"

#include "abi/errno.hpp"
#include "fs/ramfs_file.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

namespace smode = linux_abi::smode;

constinit uint32_t g_next_dev_minor = 2;  // 0:1 is the anonymous-inode instance

RamInode* ram(Inode* inode) {
    return static_cast<RamInode*>(inode);
}

// Points a directory at its (new) parent and name; moves the parent reference.
void set_parent(Inode* child, Inode* parent, RamDirent* entry) {
    if (child->parent != parent) {
        inode_get(parent);
        Inode* old = child->parent;
        child->parent = parent;
        inode_put(old);
    }
    child->dname = {entry->name(), entry->len};
}

int ram_lookup(Inode* dir, Name name, Inode** out) {
    RamDirent* e = ramdir_find(&ram(dir)->dir, name);
    if (e == nullptr) return -linux_errno::ENOENT;
    inode_get(e->inode);
    *out = e->inode;
    return 0;
}

RamInode* alloc_inode(SuperBlock* sb, const NewInode& spec) {
    void* memory = kzalloc(sizeof(RamInode));
    if (memory == nullptr) return nullptr;
    auto* inode = new (memory) RamInode();
    inode_init(inode, sb, spec.mode);
    inode->uid = spec.uid;
    inode->gid = spec.gid;
    inode->rdev_major = spec.rdev_major;
    inode->rdev_minor = spec.rdev_minor;
    return inode;
}

int ram_create(Inode* dir, Name name, const NewInode& spec, Inode** out) {
    RamDir* table = &ram(dir)->dir;
    if (ramdir_find(table, name) != nullptr) return -linux_errno::EEXIST;
    const bool directory = (spec.mode & smode::IFMT) == smode::IFDIR;
    char* target = nullptr;
    if ((spec.mode & smode::IFMT) == smode::IFLNK) {
        target = static_cast<char*>(kmalloc(spec.symlink_len + 1));
        if (target == nullptr) return -linux_errno::ENOMEM;
        memcpy(target, spec.symlink_target, spec.symlink_len);
        target[spec.symlink_len] = '\0';
    }
    RamDirent* entry = ramdir_prepare(table, name);
    RamInode* inode = entry != nullptr ? alloc_inode(dir->sb, spec) : nullptr;
    if (inode == nullptr) {
        if (entry != nullptr) ramdir_discard(entry);
        kfree(target);
        return -linux_errno::ENOMEM;
    }
    if (target != nullptr) {
        inode->target = target;
        inode->size = spec.symlink_len;
    }
    if (directory) {
        inode->nlink = 2;
        set_parent(inode, dir, entry);
        inode_add_nlink(dir, 1);
    } else {
        inode->nlink = 1;
    }
    ramdir_commit(table, entry, inode);  // the entry keeps inode_init's reference
    inode_get(inode);
    *out = inode;
    return 0;
}

int ram_link(Inode* dir, Name name, Inode* inode) {
    RamDir* table = &ram(dir)->dir;
    if (ramdir_find(table, name) != nullptr) return -linux_errno::EEXIST;
    RamDirent* entry = ramdir_prepare(table, name);
    if (entry == nullptr) return -linux_errno::ENOMEM;
    inode_get(inode);
    ramdir_commit(table, entry, inode);
    inode_add_nlink(inode, 1);
    return 0;
}

// Drops the link counts of an entry's inode that is going away from `dir`.
void unlinked(Inode* dir, Inode* victim) {
    if (is_dir(victim)) {
        LockGuard guard(victim->lock);
        __atomic_store_n(&victim->nlink, 0u, __ATOMIC_RELAXED);
        victim->dname = {nullptr, 0};
    } else {
        inode_add_nlink(victim, -1);
    }
    if (is_dir(victim)) inode_add_nlink(dir, -1);
}

int ram_remove(Inode* dir, Name name, Inode* victim) {
    RamDir* table = &ram(dir)->dir;
    RamDirent* e = ramdir_find(table, name);
    if (e == nullptr || e->inode != victim) return -linux_errno::ENOENT;
    if (is_dir(victim) && ram(victim)->dir.count > 0) return -linux_errno::ENOTEMPTY;
    unlinked(dir, victim);
    inode_put(ramdir_remove(table, e));
    return 0;
}

// RENAME_EXCHANGE: the two entries swap inodes (they keep their names and cookies).
int exchange(Inode* old_dir, RamDirent* oe, Inode* new_dir, RamDirent* ne) {
    Inode* a = oe->inode;
    Inode* b = ne->inode;
    oe->inode = b;
    ne->inode = a;
    if (is_dir(a)) set_parent(a, new_dir, ne);
    if (is_dir(b)) set_parent(b, old_dir, oe);
    if (old_dir != new_dir && is_dir(a) != is_dir(b)) {
        const int delta = is_dir(a) ? 1 : -1;
        inode_add_nlink(new_dir, delta);
        inode_add_nlink(old_dir, -delta);
    }
    return 0;
}

int ram_rename(Inode* old_dir, Name old_name, Inode* new_dir, Name new_name, uint32_t flags) {
    RamDir* old_table = &ram(old_dir)->dir;
    RamDir* new_table = &ram(new_dir)->dir;
    RamDirent* oe = ramdir_find(old_table, old_name);
    if (oe == nullptr) return -linux_errno::ENOENT;
    RamDirent* ne = ramdir_find(new_table, new_name);
    if (flags & linux_abi::rename_flag::EXCHANGE) {
        if (ne == nullptr) return -linux_errno::ENOENT;
        return exchange(old_dir, oe, new_dir, ne);
    }
    if (ne != nullptr && ne->inode == oe->inode) return 0;
    RamDirent* fresh = ramdir_prepare(new_table, new_name);
    if (fresh == nullptr) return -linux_errno::ENOMEM;
    Inode* victim = nullptr;
    if (ne != nullptr) {
        victim = ramdir_remove(new_table, ne);
        unlinked(new_dir, victim);
    }
    Inode* moving = ramdir_remove(old_table, oe);
    ramdir_commit(new_table, fresh, moving);
    if (is_dir(moving)) {
        set_parent(moving, new_dir, fresh);
        if (old_dir != new_dir) {
            inode_add_nlink(old_dir, -1);
            inode_add_nlink(new_dir, 1);
        }
    }
    inode_put(victim);
    return 0;
}

int ram_iterate(Inode* dir, uint64_t cookie, DirEmit emit, void* ctx) {
    ramdir_iterate(&ram(dir)->dir, cookie, emit, ctx);
    return 0;
}

void ram_destroy(Inode* inode) {
    RamInode* r = ram(inode);
    SuperBlock* sb = inode->sb;
    if (is_dir(inode)) {
        // Only an empty directory can lose its last reference: children hold one on it.
        ramdir_free(&r->dir);
    } else if (is_reg(inode)) {
        page_array_truncate(&r->pages, 0);
    }
    kfree(r->target);
    kdelete(r);
    if (__atomic_sub_fetch(&sb->inodes, 1, __ATOMIC_ACQ_REL) == 0) kfree(sb);
}

int ram_fsync(Inode*) {
    return 0;  // nothing below memory
}

constexpr InodeOps kRamfsOps = {
    .lookup = ram_lookup,
    .create = ram_create,
    .link = ram_link,
    .remove = ram_remove,
    .rename = ram_rename,
    .iterate = ram_iterate,
    .readlink = ramfs_readlink,
    .read = ramfs_read,
    .write = ramfs_write,
    .truncate = ramfs_truncate,
    .get_page = ramfs_get_page,
    .adopt_page = ramfs_adopt_page,
    .destroy = ram_destroy,
    .fsync = ram_fsync,
};

// Removes every entry of `dir` (tree lock held), subdirectories first.
void clear_dir(Inode* dir) {
    RamDir* table = &ram(dir)->dir;
    while (table->count > 0) {
        RamDirent* e = nullptr;
        for (uint32_t i = 0; i < table->order_len && e == nullptr; ++i) e = table->order[i].entry;
        Inode* child = e->inode;
        if (is_dir(child)) clear_dir(child);
        ram_remove(dir, Name{e->name(), e->len}, child);
    }
}

}  // namespace

Inode* ramfs_create(uint32_t root_permissions) {
    auto* sb = static_cast<SuperBlock*>(kzalloc(sizeof(SuperBlock)));
    if (sb == nullptr) return nullptr;
    sb->ops = &kRamfsOps;
    sb->dev_major = 0;
    sb->dev_minor = __atomic_fetch_add(&g_next_dev_minor, 1, __ATOMIC_RELAXED);
    sb->next_ino = 1;
    const NewInode spec = {
        smode::IFDIR | (root_permissions & smode::PERMS), 0, 0, 0, 0, nullptr, 0};
    RamInode* root = alloc_inode(sb, spec);
    if (root == nullptr) {
        kfree(sb);
        return nullptr;
    }
    root->nlink = 2;
    root->parent = root;  // no reference on itself
    root->dname = {"", 0};
    return root;
}

void ramfs_teardown(Inode* root) {
    {
        LockGuard guard(tree_lock());
        clear_dir(root);
    }
    inode_put(root);
}

}  // namespace fs

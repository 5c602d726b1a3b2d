// libFuzzer target: the guest kernel's ext2 (guest/fs/ext2) mounting a mutated image held in
// memory, walking every directory, reading every file and symlink, then (for half of the
// inputs) creating, writing, renaming and removing, syncing and unmounting. A damaged image
// must be refused or answered with errors: never a crash, a hang or a leak (every block and
// page allocated is freed after the unmount).
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "dev/block.hpp"
#include "fs/ext2/ext2.hpp"
#include "fs/inode.hpp"
#include "host_shims.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct Memory {
    std::vector<uint8_t> bytes;
};

int mem_read(blk::BlockDevice* dev, uint64_t sector, void* buf, uint32_t count) {
    auto* m = static_cast<Memory*>(dev->priv);
    if (sector + count > dev->sectors) return -5;
    memcpy(buf, m->bytes.data() + sector * 512, size_t(count) * 512);
    return 0;
}
int mem_write(blk::BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count) {
    auto* m = static_cast<Memory*>(dev->priv);
    if (sector + count > dev->sectors) return -5;
    memcpy(m->bytes.data() + sector * 512, buf, size_t(count) * 512);
    return 0;
}
int mem_flush(blk::BlockDevice*) {
    return 0;
}
constexpr blk::BlockOps kOps = {mem_read, mem_write, mem_flush};

struct Child {
    std::string name;
};

bool collect(void* ctx, fs::Name name, uint64_t, uint8_t, uint64_t) {
    auto* v = static_cast<std::vector<Child>*>(ctx);
    if (v->size() >= 64) return false;
    v->push_back({std::string(name.data, name.len)});
    return true;
}

int g_budget = 0;  // inodes visited per input

void walk(fs::Inode* dir, int depth) {
    std::vector<Child> children;
    {
        LockGuard tree(fs::tree_lock());
        if (dir->ops->iterate(dir, 2, collect, &children) < 0) return;
    }
    for (const Child& c : children) {
        if (--g_budget < 0) return;
        fs::Inode* child = nullptr;
        {
            LockGuard tree(fs::tree_lock());
            if (dir->ops->lookup(dir, fs::Name{c.name.data(), c.name.size()}, &child) < 0) {
                continue;
            }
        }
        if (fs::is_dir(child)) {
            if (depth < 6) walk(child, depth + 1);
        } else if (fs::is_reg(child)) {
            static uint8_t buf[65536];
            LockGuard guard(child->lock);
            child->ops->read(child, buf, sizeof buf, 0);
            if (child->size > sizeof buf) {
                child->ops->read(child, buf, 4096, child->size - 4096);
            }
        } else if (fs::is_symlink(child)) {
            char target[4096];
            child->ops->readlink(child, target, sizeof target);
        }
        fs::inode_put(child);
    }
}

void change(fs::Inode* root) {
    fs::Inode* file = nullptr;
    fs::Inode* dir = nullptr;
    const fs::NewInode reg = {0100644, 0, 0, 0, 0, nullptr, 0};
    const fs::NewInode mkdir = {040755, 0, 0, 0, 0, nullptr, 0};
    const char target[] = "a-target-long-enough-to-need-a-block-of-its-own-0123456789-abcdef";
    const fs::NewInode symlink = {0120777, 0, 0, 0, 0, target, sizeof target - 1};
    {
        LockGuard tree(fs::tree_lock());
        root->ops->create(root, fs::Name{"fuzz-file", 9}, reg, &file);
        root->ops->create(root, fs::Name{"fuzz-dir", 8}, mkdir, &dir);
        fs::Inode* link = nullptr;
        if (root->ops->create(root, fs::Name{"fuzz-link", 9}, symlink, &link) == 0) {
            fs::inode_put(link);
        }
    }
    if (file != nullptr) {
        static uint8_t data[20000];
        memset(data, 0x5a, sizeof data);
        {
            LockGuard guard(file->lock);
            file->ops->write(file, data, sizeof data, 0);
            file->ops->write(file, data, 100, 300000);
            file->ops->truncate(file, 5000);
        }
        if (dir != nullptr) {
            LockGuard tree(fs::tree_lock());
            root->ops->rename(root, fs::Name{"fuzz-file", 9}, dir, fs::Name{"moved", 5}, 0);
            dir->ops->remove(dir, fs::Name{"moved", 5}, file);
        }
        fs::inode_put(file);
    }
    if (dir != nullptr) {
        LockGuard tree(fs::tree_lock());
        root->ops->remove(root, fs::Name{"fuzz-dir", 8}, dir);
    }
    fs::inode_put(dir);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2048 || size > (4u << 20)) return 0;
    const size_t blocks = guest_fs_test::live_blocks(), pages = guest_fs_test::live_pages();
    Memory m;
    m.bytes.assign(data, data + size);
    m.bytes.resize((size + 511) / 512 * 512);
    blk::BlockDevice dev = {};
    dev.ops = &kOps;
    dev.priv = &m;
    dev.sectors = m.bytes.size() / 512;
    const bool writes = (data[0] & 1) == 0;  // the boot block: 0 in mke2fs images
    fs::Inode* root = nullptr;
    const char* why = nullptr;
    if (fs::ext2_mount(&dev, !writes, &root, &why) != 0) {
        if (getenv("EXT2_FUZZ_DEBUG")) fprintf(stderr, "refused: %s\n", why);
        check(why != nullptr || root == nullptr);
        check(guest_fs_test::live_blocks() == blocks && guest_fs_test::live_pages() == pages);
        return 0;
    }
    g_budget = 300;
    walk(root, 0);
    if (writes) {
        change(root);
        fs::ext2_sync(root->sb);
    }
    fs::SuperBlock* sb = root->sb;
    fs::inode_put(root);
    check(fs::ext2_umount(sb) == 0);
    check(guest_fs_test::live_blocks() == blocks && guest_fs_test::live_pages() == pages);
    return 0;
}

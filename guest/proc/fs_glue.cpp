#include "proc/fs_glue.hpp"

#include "arch/vmem.hpp"
#include "fs/fd_table.hpp"
#include "fs/inode.hpp"
#include "mm/phys.hpp"
#include "proc/process.hpp"

namespace proc {

namespace {

int read_page(void* file, uint64_t offset, uint8_t* page, uint64_t length) {
    fs::Inode* inode = static_cast<fs::Inode*>(file);
    LockGuard guard(inode->lock);
    if (offset >= inode->size) return 0;
    return int(inode->ops->read(inode, page, length, offset));
}

uint64_t shared_page(void* file, uint64_t offset) {
    fs::Inode* inode = static_cast<fs::Inode*>(file);
    LockGuard guard(inode->lock);
    if (offset >= inode->size) return 0;
    void* page = inode->ops->get_page(inode, offset / 4096, true);
    if (!page) return 0;
    const uint64_t gpa = vmem::to_gpa(page);
    phys::ref(gpa);
    return gpa;
}

uint64_t size(void* file) {
    fs::Inode* inode = static_cast<fs::Inode*>(file);
    LockGuard guard(inode->lock);
    return inode->size;
}

void get(void* file) {
    fs::inode_get(static_cast<fs::Inode*>(file));
}

void put(void* file) {
    fs::inode_put(static_cast<fs::Inode*>(file));
}

}  // namespace

const mm::FileBacking kInodeBacking{read_page, shared_page, size, get, put};

void exec_close_on_exec(Process* p) {
    if (p->fds) fs::fd_close_on_exec(p->fds);
}

void exec_set_exe(Process* p, fs::Inode* inode) {
    fs::inode_get(inode);
    fs::inode_put(p->exe);
    p->exe = inode;
}

}  // namespace proc

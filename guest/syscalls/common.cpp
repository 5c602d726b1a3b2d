#include "syscalls/common.hpp"

namespace syscalls {

int copy_path(uint64_t user, PathBuf* out, bool allow_empty) {
    const int64_t n = strncpy_from_user(out->text, user, sizeof(out->text));
    if (n < 0) return int(n);
    if (n == 0 && !allow_empty) return -ENOENT;
    return 0;
}

int dir_of(Args& a, int dirfd, fs::Inode** out) {
    if (dirfd == linux_abi::at::FDCWD) {
        *out = proc_of(a)->cwd;
        fs::inode_get(*out);
        return 0;
    }
    FileRef f(a, dirfd);
    if (!f || !f->inode) return -EBADF;
    *out = f->inode;
    fs::inode_get(*out);
    return 0;
}

int64_t install_fd(Args& a, fs::File* file, bool cloexec) {
    const int fd = fs::fd_install(proc_of(a)->fds, file, cloexec);
    fs::file_put(file);  // fd_install took its own reference
    return fd;
}

}  // namespace syscalls

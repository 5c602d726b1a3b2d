#include "syscalls/common.hpp"

namespace syscalls {

int64_t write_rusage(uint64_t out, const CpuTimes& cpu) {
    if (!out) return 0;
    int64_t ru[18] = {};  // ru_utime, ru_stime (timevals), then 14 longs
    ru[0] = int64_t(cpu.user_ns / 1'000'000'000);
    ru[1] = int64_t(cpu.user_ns % 1'000'000'000 / 1000);
    ru[2] = int64_t(cpu.system_ns / 1'000'000'000);
    ru[3] = int64_t(cpu.system_ns % 1'000'000'000 / 1000);
    return copy_to_user(out, ru, sizeof(ru)) == 0 ? 0 : -EFAULT;
}

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

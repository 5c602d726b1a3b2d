#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/fd_table.hpp"
#include "fs/mount.hpp"
#include "fs/vfs.hpp"
#include "proc/process.hpp"

namespace proc {

int open_console(Process* p) {
    fs::File* console = nullptr;
    const int r = fs::vfs_open(fs::vfs_root(), "/dev/console", linux_abi::oflag::RDWR, 0, &console);
    if (r < 0) return r;
    for (int fd = 0; fd < 3; ++fd) {
        const int got = fs::fd_install(p->fds, console, false);
        if (got != fd) {
            fs::file_put(console);
            return got < 0 ? got : -linux_errno::EBADF;
        }
    }
    fs::file_put(console);
    return 0;
}

}  // namespace proc

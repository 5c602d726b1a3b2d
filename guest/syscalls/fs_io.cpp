// read, write, their vectored and positioned forms, lseek, sendfile, sync. The file layer
// works on kernel buffers: data crosses through a bounce buffer, copied with the user-copy
// helpers (a bad user pointer gives -EFAULT, never a kernel fault).
#include "dev/block_file.hpp"
#include "fs/file_ops.hpp"
#include "fs/mount_table.hpp"
#include "mm/kheap.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

// Up to 1 MiB per bounce: a disk read of 1 MiB is then one transfer the driver splits into
// requests in flight together (64 KiB bounces made it 16 transfers one after the other, at
// half the throughput). A bounce that cannot be had whole is halved, down to one page.
constexpr size_t kChunk = 1024 * 1024;
constexpr size_t kMinChunk = 4096;
constexpr size_t kMaxRw = 0x7ffff000;  // MAX_RW_COUNT
constexpr uint32_t kIovMax = 1024;

struct Bounce {
    explicit Bounce(size_t want)
        : size(want < kChunk ? want : kChunk), data(kmalloc(size ? size : 1)) {
        while (data == nullptr && size > kMinChunk) {
            size /= 2;
            data = kmalloc(size);
        }
    }
    ~Bounce() { kfree(data); }
    size_t size;
    void* data;
};

// offset < 0: the file position; else pread/pwrite at offset.
int64_t transfer(fs::File* file, uint64_t user, size_t len, bool write, int64_t offset) {
    if (len > kMaxRw) len = kMaxRw;
    if (!user_range_ok(user, len)) return -EFAULT;
    Bounce bounce(len);
    if (!bounce.data) return -ENOMEM;
    size_t done = 0;
    while (done < len) {
        const size_t n = len - done < bounce.size ? len - done : bounce.size;
        int64_t r;
        if (write) {
            if (copy_from_user(bounce.data, user + done, n) != 0)
                return done ? int64_t(done) : -EFAULT;
            r = offset < 0 ? fs::file_write(file, bounce.data, n)
                           : fs::file_pwrite(file, bounce.data, n, offset + int64_t(done));
        } else {
            r = offset < 0 ? fs::file_read(file, bounce.data, n)
                           : fs::file_pread(file, bounce.data, n, offset + int64_t(done));
            if (r > 0 && copy_to_user(user + done, bounce.data, size_t(r)) != 0) {
                return done ? int64_t(done) : -EFAULT;
            }
        }
        if (r < 0) return done ? int64_t(done) : r;
        done += size_t(r);
        if (size_t(r) < n) break;  // short: end of file, a pipe or tty with what it had
    }
    return int64_t(done);
}

int64_t vectored(Args& a, bool write, int64_t offset) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    const uint64_t iov = a.a[1];
    const uint64_t count = a.a[2];
    if (count > kIovMax) return -EINVAL;
    // Like Linux, the whole vector is checked before any byte moves.
    uint64_t(*vecs)[2] = static_cast<uint64_t(*)[2]>(kmalloc(count * 16 + 1));
    if (!vecs) return -ENOMEM;
    int64_t r = copy_from_user(vecs, iov, count * 16) == 0 ? 0 : -EFAULT;
    for (uint64_t i = 0; r == 0 && i < count; ++i) {
        if (int64_t(vecs[i][1]) < 0)
            r = -EINVAL;
        else if (!user_range_ok(vecs[i][0], vecs[i][1]))
            r = -EFAULT;
    }
    int64_t total = 0;
    for (uint64_t i = 0; r == 0 && i < count; ++i) {
        if (vecs[i][1] == 0) continue;
        const int64_t n =
            transfer(f.get(), vecs[i][0], vecs[i][1], write, offset < 0 ? -1 : offset + total);
        if (n < 0) {
            if (total == 0) r = n;
            break;
        }
        total += n;
        if (uint64_t(n) < vecs[i][1]) break;
    }
    kfree(vecs);
    return r < 0 ? r : total;
}

}  // namespace

int64_t sys_read(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    return transfer(f.get(), a.a[1], a.a[2], false, -1);
}

int64_t sys_write(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    return transfer(f.get(), a.a[1], a.a[2], true, -1);
}

int64_t sys_pread64(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    if (int64_t(a.a[3]) < 0) return -EINVAL;
    return transfer(f.get(), a.a[1], a.a[2], false, int64_t(a.a[3]));
}

int64_t sys_pwrite64(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    if (int64_t(a.a[3]) < 0) return -EINVAL;
    return transfer(f.get(), a.a[1], a.a[2], true, int64_t(a.a[3]));
}

int64_t sys_readv(Args& a) {
    return vectored(a, false, -1);
}

int64_t sys_writev(Args& a) {
    return vectored(a, true, -1);
}

int64_t sys_lseek(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    return fs::file_lseek(f.get(), int64_t(a.a[1]), int(a.a[2]));
}

int64_t sys_sendfile(Args& a) {
    FileRef out(a, int(a.a[0]));
    FileRef in(a, int(a.a[1]));
    if (!out || !in) return -EBADF;
    int64_t offset = -1;
    if (a.a[2] && get_user(&offset, a.a[2]) != 0) return -EFAULT;
    if (a.a[2] && offset < 0) return -EINVAL;
    size_t len = a.a[3] > kMaxRw ? kMaxRw : a.a[3];
    Bounce bounce(len);
    if (!bounce.data) return -ENOMEM;
    int64_t done = 0;
    while (size_t(done) < len) {
        const size_t n = len - size_t(done) < bounce.size ? len - size_t(done) : bounce.size;
        const int64_t r = offset >= 0 ? fs::file_pread(in.get(), bounce.data, n, offset + done)
                                      : fs::file_read(in.get(), bounce.data, n);
        if (r <= 0) {
            if (r < 0 && done == 0) return r;
            break;
        }
        const int64_t w = fs::file_write(out.get(), bounce.data, size_t(r));
        if (w < r && offset < 0) {
            // Without an offset the input's position moved past bytes the output did not
            // take (a non-blocking socket or pipe): put it back after what was sent.
            (void)fs::file_lseek(in.get(), -(r - (w > 0 ? w : 0)), linux_abi::seek::CUR);
        }
        if (w < 0) {
            if (done == 0) return w;
            break;
        }
        done += w;
        if (w < r) break;
    }
    if (a.a[2]) {
        const int64_t next = offset + done;
        if (put_user(a.a[2], next) != 0) return -EFAULT;
    }
    return done;
}

int64_t sys_fsync(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    const int r = dev::flush_block_file(f.get());
    if (r != 1) return r;
    // A file system's file (ext2 writes its instance back and flushes the disk; RAM file
    // systems have nothing to write).
    return f->inode != nullptr ? fs::inode_fsync(f->inode) : 0;
}

int64_t sys_fdatasync(Args& a) {
    return sys_fsync(a);
}

int64_t sys_sync(Args&) {
    // File systems write back, then every disk flushes; sync(2) reports nothing.
    (void)fs::mount_sync_all();
    (void)dev::flush_all_block_devices();
    return 0;
}

}  // namespace syscalls

// read, write, their vectored and positioned forms, lseek, sendfile, sync. The file layer
// works on kernel buffers: data crosses through a bounce buffer, copied with the user-copy
// helpers (a bad user pointer gives -EFAULT, never a kernel fault). Two paths spare that
// copy for regular files: reads copy straight from the file system's cached pages (pinned,
// no lock held while the copy may fault), and a file system may keep the bounce buffer of a
// write (ext2 hands it to the disk; a fresh one serves the next chunk).
#include "dev/block_file.hpp"
#include "fs/file_ops.hpp"
#include "fs/mount_table.hpp"
#include "mm/kheap.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

// Up to 1 MiB per bounce: a disk read of 1 MiB is then one transfer the driver splits into
// requests in flight together (64 KiB bounces made it 16 transfers one after the other, at
// half the throughput). A bounce that cannot be had whole is halved, down to one page. Whole
// buddy blocks (page aligned, exact), allocated when first needed.
constexpr unsigned kChunkOrder = 8;  // 1 MiB
constexpr size_t kPage = 4096;
constexpr size_t kMaxRw = 0x7ffff000;  // MAX_RW_COUNT
constexpr uint32_t kIovMax = 1024;

class Bounce {
  public:
    explicit Bounce(size_t want) {
        while (order_ < kChunkOrder && (kPage << order_) < want) ++order_;
    }
    ~Bounce() { block_free(data_, order_); }
    Bounce(const Bounce&) = delete;
    Bounce& operator=(const Bounce&) = delete;

    bool get() {
        while (data_ == nullptr) {
            data_ = block_alloc(order_);
            if (data_ == nullptr && order_-- == 0) {
                order_ = 0;
                return false;
            }
        }
        return true;
    }
    void* data() const { return data_; }
    size_t size() const { return kPage << order_; }
    unsigned order() const { return order_; }
    void taken() { data_ = nullptr; }  // the file system kept it

  private:
    unsigned order_ = 0;
    void* data_ = nullptr;
};

struct UserSink {
    uint64_t user;
};

int to_user(void* ctx, uint64_t done, const void* src, size_t n) {
    return copy_to_user(static_cast<UserSink*>(ctx)->user + done, src, n);
}

// A read of /dev/zero: the user's buffer cleared in place, up to the first page that cannot
// be written (the bytes before it, as Linux's read_zero answers; EFAULT when there are none).
int64_t read_zeros(uint64_t user, size_t len) {
    if (clear_user(user, len) == 0) return int64_t(len);
    size_t done = 0;
    while (done < len) {
        size_t n = kPage - ((user + done) & (kPage - 1));
        if (n > len - done) n = len - done;
        if (clear_user(user + done, n) != 0) break;
        done += n;
    }
    return done > 0 ? int64_t(done) : -EFAULT;
}

// offset < 0: the file position; else pread/pwrite at offset.
int64_t transfer(fs::File* file, uint64_t user, size_t len, bool write, int64_t offset) {
    if (len > kMaxRw) len = kMaxRw;
    if (!user_range_ok(user, len)) return -EFAULT;
    if (!write && file->ops->reads_zeros && fs::file_readable(file)) return read_zeros(user, len);
    if (write && file->ops->discards_writes && fs::file_writable(file)) return int64_t(len);
    Bounce bounce(len);
    size_t done = 0;
    while (done < len) {
        const int64_t at = offset < 0 ? -1 : offset + int64_t(done);
        if (!write) {
            UserSink sink{user + done};
            const int64_t r = fs::file_read_cached(file, len - done, at, to_user, &sink);
            if (r == 0) break;  // end of file
            if (r > 0) {
                done += size_t(r);
                continue;
            }
            if (r != -EAGAIN) return done ? int64_t(done) : r;
        }
        if (!bounce.get()) return done ? int64_t(done) : -ENOMEM;
        const size_t n = len - done < bounce.size() ? len - done : bounce.size();
        int64_t r;
        if (write) {
            if (copy_from_user(bounce.data(), user + done, n) != 0)
                return done ? int64_t(done) : -EFAULT;
            bool taken = false;
            r = fs::file_write_buffer(file, bounce.data(), bounce.order(), n, at, &taken);
            if (taken) bounce.taken();
        } else {
            r = offset < 0 ? fs::file_read(file, bounce.data(), n)
                           : fs::file_pread(file, bounce.data(), n, at);
            if (r > 0 && copy_to_user(user + done, bounce.data(), size_t(r)) != 0) {
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
    if (!bounce.get()) return -ENOMEM;
    int64_t done = 0;
    while (size_t(done) < len) {
        const size_t n = len - size_t(done) < bounce.size() ? len - size_t(done) : bounce.size();
        const int64_t r = offset >= 0 ? fs::file_pread(in.get(), bounce.data(), n, offset + done)
                                      : fs::file_read(in.get(), bounce.data(), n);
        if (r <= 0) {
            if (r < 0 && done == 0) return r;
            break;
        }
        const int64_t w = fs::file_write(out.get(), bounce.data(), size_t(r));
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

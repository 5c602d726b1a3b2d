// The memory character devices (major 1): null, zero, full, random, urandom.
#include "dev/devices.hpp"

#include "abi/errno.hpp"
#include "fs/special.hpp"
#include "kernel/random.hpp"
#include "kernel/string.hpp"

namespace dev {

namespace {

using namespace linux_errno;

int64_t null_read(fs::File*, void*, size_t) {
    return 0;
}
int64_t null_write(fs::File*, const void*, size_t len) {
    return int64_t(len);
}
int64_t null_pread(fs::File*, void*, size_t, uint64_t) {
    return 0;
}
int64_t null_pwrite(fs::File*, const void*, size_t len, uint64_t) {
    return int64_t(len);
}
int64_t zero_read(fs::File*, void* buf, size_t len) {
    memset(buf, 0, len);
    return int64_t(len);
}
int64_t zero_pread(fs::File*, void* buf, size_t len, uint64_t) {
    memset(buf, 0, len);
    return int64_t(len);
}
int64_t full_write(fs::File*, const void*, size_t) {
    return -ENOSPC;
}
int64_t random_read(fs::File*, void* buf, size_t len) {
    random_user_bytes(buf, len);
    return int64_t(len);
}
int64_t no_seek(fs::File*, int64_t, int) {
    return 0;  // Linux: lseek on these devices succeeds and reports 0
}

const fs::FileOps kNullOps = {null_read, null_write, null_pread, null_pwrite, no_seek, nullptr,
                              nullptr,   nullptr,    nullptr,    nullptr,     false,   true};
const fs::FileOps kZeroOps = {zero_read, null_write, zero_pread, null_pwrite, no_seek, nullptr,
                              nullptr,   nullptr,    nullptr,    nullptr,     true,    true};
const fs::FileOps kFullOps = {zero_read, full_write, zero_pread, nullptr, no_seek, nullptr,
                              nullptr,   nullptr,    nullptr,    nullptr, true};
const fs::FileOps kRandomOps = {random_read, null_write, nullptr, nullptr, no_seek,
                                nullptr,     nullptr,    nullptr, nullptr};

const fs::CharDevice kNull{&kNullOps, nullptr};
const fs::CharDevice kZero{&kZeroOps, nullptr};
const fs::CharDevice kFull{&kFullOps, nullptr};
const fs::CharDevice kRandom{&kRandomOps, nullptr};

}  // namespace

int register_mem_devices() {
    int r = fs::chardev_register(1, 3, 1, &kNull);
    if (r == 0) r = fs::chardev_register(1, 5, 1, &kZero);
    if (r == 0) r = fs::chardev_register(1, 7, 1, &kFull);
    if (r == 0) r = fs::chardev_register(1, 8, 2, &kRandom);  // random and urandom
    return r;
}

}  // namespace dev

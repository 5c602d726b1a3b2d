// Memory system calls: brk, mmap, munmap, mprotect, madvise, mremap, msync.
#include "mm/aspace.hpp"
#include "proc/fs_glue.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

constexpr uint64_t MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_SHARED_VALIDATE = 0x3, MAP_TYPE = 0xf,
                   MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_HUGETLB = 0x40000,
                   MAP_FIXED_NOREPLACE = 0x100000;
constexpr uint64_t kKnownFlags =
    MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | 0x100 /* GROWSDOWN */ | 0x800 /* DENYWRITE */ |
    0x1000 /* EXECUTABLE */ | 0x2000 /* LOCKED */ | 0x4000 /* NORESERVE */ | 0x8000 /* POPULATE */ |
    0x10000 /* NONBLOCK */ | 0x20000 /* STACK */ | MAP_HUGETLB | 0x80000 /* SYNC */ |
    MAP_FIXED_NOREPLACE;
constexpr uint64_t kPage = 4096;
constexpr int MADV_DONTNEED = 4, MADV_FREE = 8;

uint32_t prot_of(uint64_t prot) {
    return uint32_t(prot & 7);
}

bool aligned(uint64_t v) {
    return (v & (kPage - 1)) == 0;
}

}  // namespace

int64_t sys_brk(Args& a) {
    return int64_t(mm::set_brk(proc_of(a)->as, a.a[0]));
}

int64_t sys_mmap(Args& a) {
    const uint64_t addr = a.a[0], prot = a.a[2], flags = a.a[3], offset = a.a[5];
    const int fd = int(a.a[4]);
    const uint64_t length = (a.a[1] + kPage - 1) & ~(kPage - 1);
    if (a.a[1] == 0 || length < a.a[1]) return a.a[1] == 0 ? -EINVAL : -ENOMEM;
    if (!aligned(offset)) return -EINVAL;
    if ((prot & ~uint64_t(7 | 0x01000000 | 0x02000000)) != 0) return -EINVAL;
    const uint64_t type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -EINVAL;
    if (type == MAP_SHARED_VALIDATE && (flags & ~kKnownFlags)) return -EOPNOTSUPP;
    if (flags & MAP_HUGETLB) return -EINVAL;
    const bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
    if (fixed && !aligned(addr)) return -EINVAL;
    const bool shared = type != MAP_PRIVATE;
    mm::AddressSpace* as = proc_of(a)->as;
    const uint32_t vma_flags = shared ? mm::kVmaShared : 0;

    if (flags & MAP_FIXED_NOREPLACE) {
        // Refuse when anything is mapped there (EEXIST), else map it exactly there.
        const int64_t probe =
            mm::map(as, addr, length, prot_of(prot), vma_flags, false, nullptr, nullptr, 0, 0);
        if (probe < 0) return probe;
        if (uint64_t(probe) != addr) {
            mm::unmap(as, uint64_t(probe), length);
            return -EEXIST;
        }
        mm::unmap(as, addr, length);
    }
    if (flags & MAP_ANONYMOUS) {
        if (type == MAP_SHARED_VALIDATE) return -EINVAL;  // Linux: only MAP_SHARED/PRIVATE
        return mm::map(as, addr, length, prot_of(prot), vma_flags, fixed, nullptr, nullptr, 0, 0);
    }
    FileRef f(a, fd);
    if (!f) return -EBADF;
    if (!f->inode || !fs::is_reg(f->inode)) return -ENODEV;
    if (!fs::file_readable(f.get())) return -EACCES;
    if (shared && (prot & mm::kProtWrite) && !fs::file_writable(f.get())) return -EACCES;
    if (offset + length < offset) return -EOVERFLOW;
    return mm::map(as, addr, length, prot_of(prot), vma_flags, fixed, f->inode,
                   &proc::kInodeBacking, offset, ~uint64_t(0) / 2);
}

int64_t sys_munmap(Args& a) {
    if (!aligned(a.a[0]) || a.a[1] == 0) return -EINVAL;
    const uint64_t length = (a.a[1] + kPage - 1) & ~(kPage - 1);
    return mm::unmap(proc_of(a)->as, a.a[0], length);
}

int64_t sys_mprotect(Args& a) {
    if (!aligned(a.a[0])) return -EINVAL;
    if (a.a[2] & ~uint64_t(7 | 0x01000000 | 0x02000000)) return -EINVAL;
    if (a.a[1] == 0) return 0;
    const uint64_t length = (a.a[1] + kPage - 1) & ~(kPage - 1);
    return mm::protect(proc_of(a)->as, a.a[0], length, prot_of(a.a[2]));
}

int64_t sys_madvise(Args& a) {
    if (!aligned(a.a[0])) return -EINVAL;
    const uint64_t length = (a.a[1] + kPage - 1) & ~(kPage - 1);
    const int advice = int(a.a[2]);
    const bool known = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) ||
                       advice == 100 || advice == 101;
    if (!known) return -EINVAL;
    if (advice == MADV_DONTNEED || advice == MADV_FREE) {
        return mm::discard(proc_of(a)->as, a.a[0], length);
    }
    return 0;  // hints (WILLNEED, SEQUENTIAL, HUGEPAGE...) change nothing here
}

int64_t sys_mremap(Args& a) {
    constexpr uint64_t MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    const uint64_t flags = a.a[3];
    if (!aligned(a.a[0]) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || a.a[2] == 0) {
        return -EINVAL;
    }
    const uint64_t old_len = (a.a[1] + kPage - 1) & ~(kPage - 1);
    const uint64_t new_len = (a.a[2] + kPage - 1) & ~(kPage - 1);
    if (new_len < old_len && !(flags & MREMAP_FIXED)) {  // shrinking in place
        const int r = mm::unmap(proc_of(a)->as, a.a[0] + new_len, old_len - new_len);
        return r < 0 ? r : int64_t(a.a[0]);
    }
    if (new_len == old_len && !(flags & MREMAP_FIXED)) return int64_t(a.a[0]);
    if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;  // not implemented
    return mm::remap_grow(proc_of(a)->as, a.a[0], old_len, new_len, flags & MREMAP_MAYMOVE);
}

int64_t sys_msync(Args& a) {
    constexpr uint64_t MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
    const uint64_t flags = a.a[2];
    if (!aligned(a.a[0]) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC))) {
        return -EINVAL;
    }
    return 0;  // RAM file systems: nothing to write back
}

}  // namespace syscalls

#include "fs/cpio_unpack.hpp"

#include "abi/errno.hpp"
#include "fs/cpio_parse.hpp"
#include "fs/file_ops.hpp"
#include "fs/page_array.hpp"
#include "fs/vfs.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

namespace smode = linux_abi::smode;
namespace oflag = linux_abi::oflag;
using linux_abi::kPathMax;
constexpr uint32_t kNoFollow = linux_abi::at::SYMLINK_NOFOLLOW;

// The first file of each hard-linked set: open addressing on (ino, dev, mode).
struct LinkSlot {
    uint32_t ino, dev_major, dev_minor, mode;
    Inode* inode;  // a reference; nullptr: a free slot
};

class LinkTable {
  public:
    ~LinkTable() {
        for (uint32_t i = 0; i < cap_; ++i) inode_put(slots_[i].inode);
        kfree(slots_);
    }

    Inode* find(const CpioRecord& r) const {
        const LinkSlot* slot = slot_of(r);
        return slot != nullptr ? slot->inode : nullptr;
    }

    // Remembers `inode` as the file of r's set (a new reference), replacing an earlier one.
    // False when out of memory.
    bool add(const CpioRecord& r, Inode* inode) {
        LinkSlot* same = slot_of(r);
        if (same != nullptr) {
            inode_get(inode);
            inode_put(same->inode);
            same->inode = inode;
            return true;
        }
        if ((used_ + 1) * 2 > cap_ && !grow()) return false;
        insert({r.ino, r.dev_major, r.dev_minor, r.mode, inode});
        inode_get(inode);
        return true;
    }

  private:
    LinkSlot* slot_of(const CpioRecord& r) const {
        if (cap_ == 0) return nullptr;
        for (uint32_t i = hash(r) & (cap_ - 1);; i = (i + 1) & (cap_ - 1)) {
            LinkSlot& s = slots_[i];
            if (s.inode == nullptr) return nullptr;
            if (s.ino == r.ino && s.dev_major == r.dev_major && s.dev_minor == r.dev_minor &&
                s.mode == r.mode) {
                return &s;
            }
        }
    }

    static uint32_t hash(const CpioRecord& r) { return hash(r.ino, r.dev_major, r.dev_minor); }
    static uint32_t hash(uint32_t ino, uint32_t dev_major, uint32_t dev_minor) {
        return (ino * 2654435761u) ^ (dev_major * 40503u) ^ dev_minor;
    }

    void insert(const LinkSlot& slot) {
        uint32_t i = hash(slot.ino, slot.dev_major, slot.dev_minor) & (cap_ - 1);
        while (slots_[i].inode != nullptr) i = (i + 1) & (cap_ - 1);
        slots_[i] = slot;
        ++used_;
    }

    bool grow() {
        const uint32_t cap = cap_ == 0 ? 16 : cap_ * 2;
        auto* fresh = static_cast<LinkSlot*>(kzalloc(sizeof(LinkSlot) * cap));
        if (fresh == nullptr) return false;
        LinkSlot* old = slots_;
        const uint32_t old_cap = cap_;
        slots_ = fresh;
        cap_ = cap;
        used_ = 0;
        for (uint32_t i = 0; i < old_cap; ++i) {
            if (old[i].inode != nullptr) insert(old[i]);
        }
        kfree(old);
        return true;
    }

    LinkSlot* slots_ = nullptr;
    uint32_t cap_ = 0;
    uint32_t used_ = 0;
};

bool fatal(int err) {
    return err == -linux_errno::ENOMEM || err == -linux_errno::ENOSPC;
}

class Unpacker {
  public:
    Unpacker(Inode* root, CpioStats* stats, char* scratch, char* target, CpioAdoptPage adopt)
        : root_(root), stats_(stats), scratch_(scratch), target_(target), adopt_(adopt) {}

    // One entry; 0 also when it was skipped, -ENOMEM/-ENOSPC to stop.
    int entry(const CpioRecord& r) {
        ++stats_->entries;
        const int err = create(r);
        if (err >= 0 || fatal(err)) return err;
        if (stats_->skipped++ == 0) {
            stats_->first_skipped = r.name;
            stats_->first_skipped_error = err;
        }
        return 0;
    }

    // The modification times of directories, once their entries are in.
    void directory_time(const CpioRecord& r) {
        const linux_abi::timespec times[2] = {{r.mtime, 0}, {r.mtime, 0}};
        if (is_root(r)) {
            inode_set_times(root_, times);
        } else {
            vfs_utimens(root_, r.name, times, kNoFollow);
        }
    }

  private:
    static bool is_root(const CpioRecord& r) { return r.name_len == 1 && r.name[0] == '.'; }

    int create(const CpioRecord& r) {
        const uint32_t type = r.mode & smode::IFMT;
        if (is_root(r)) {
            inode_chown(root_, r.uid, r.gid);
            inode_chmod(root_, r.mode);
            ++stats_->directories;
            return 0;
        }
        if (type == smode::IFDIR) return directory(r);
        int err = remove_existing(r.name);
        if (err < 0) return err;
        Inode* first = r.nlink >= 2 ? links_.find(r) : nullptr;
        if (first != nullptr && __atomic_load_n(&first->nlink, __ATOMIC_RELAXED) == 0) {
            first = nullptr;  // every earlier name was replaced: this entry starts afresh
        }
        if (first != nullptr) {
            err = with_parents(r, [&] { return vfs_link_inode(first, root_, r.name); });
            if (err < 0) return err;
            ++stats_->hard_links;
            if (type == smode::IFREG && r.data_len > 0) err = write_data(first, r, true);
        } else if (type == smode::IFREG) {
            err = regular(r);
        } else if (type == smode::IFLNK) {
            memcpy(target_, r.data, r.data_len);
            target_[r.data_len] = '\0';
            err = with_parents(r, [&] { return vfs_symlink(target_, root_, r.name); });
            if (err == 0) ++stats_->symlinks;
        } else {
            err = with_parents(
                r, [&] { return vfs_mknod(root_, r.name, r.mode, r.rdev_major, r.rdev_minor); });
            if (err == 0) ++stats_->nodes;
        }
        if (err == 0 && first == nullptr && r.nlink >= 2) err = remember(r);
        if (err < 0) return err;
        return attributes(r, true);
    }

    int directory(const CpioRecord& r) {
        int err = with_parents(r, [&] { return vfs_mkdir(root_, r.name, r.mode); });
        if (err == -linux_errno::EEXIST) {
            Inode* existing = nullptr;
            err = vfs_lookup(root_, r.name, kNoFollow, false, &existing);
            if (err < 0) return err;
            const bool keep = is_dir(existing);
            inode_put(existing);
            if (!keep) {
                err = vfs_unlink(root_, r.name);
                if (err == 0) err = vfs_mkdir(root_, r.name, r.mode);
            }
        }
        if (err < 0) return err;
        ++stats_->directories;
        return attributes(r, false);
    }

    int regular(const CpioRecord& r) {
        File* file = nullptr;
        const uint32_t flags = oflag::WRONLY | oflag::CREAT | oflag::EXCL | oflag::NOFOLLOW;
        int err = with_parents(r, [&] { return vfs_open(root_, r.name, flags, r.mode, &file); });
        if (err < 0) return err;
        ++stats_->files;
        if (r.data_len > 0) err = write_data(file->inode, r, false);
        file_put(file);
        return err;
    }

    // The file's contents become r's data: its whole pages taken over from the archive where
    // they are page aligned and the caller lets us, the rest copied.
    int write_data(Inode* inode, const CpioRecord& r, bool truncate) {
        if (truncate) {
            const int err = inode_truncate(inode, 0);
            if (err < 0) return err;
        }
        uint64_t done = 0;
        if (adopt_ != nullptr && (reinterpret_cast<uintptr_t>(r.data) & (kPageSize - 1)) == 0) {
            while (r.data_len - done >= kPageSize) {
                void* page = const_cast<uint8_t*>(r.data + done);
                if (!adopt_(page)) break;  // copied below instead
                const int err = inode_adopt_page(inode, done / kPageSize, page);
                if (err < 0) {
                    page_free(page);  // now an ordinary page; nothing reads it any more
                    return err;
                }
                done += kPageSize;
                ++stats_->adopted_pages;
            }
        }
        stats_->bytes += done;
        if (done == r.data_len) return 0;
        uint64_t end = 0;
        const int64_t n = inode_write(inode, r.data + done, r.data_len - done, done, false, &end);
        if (n < 0) return int(n);
        stats_->bytes += uint64_t(n);
        return uint64_t(n) == r.data_len - done ? 0 : -linux_errno::ENOSPC;
    }

    int remember(const CpioRecord& r) {
        Inode* inode = nullptr;
        const int err = vfs_lookup(root_, r.name, kNoFollow, false, &inode);
        if (err < 0) return err;
        const bool added = links_.add(r, inode);
        inode_put(inode);
        return added ? 0 : -linux_errno::ENOMEM;
    }

    // Owner, permissions (not for symlinks: they have none) and, for non-directories, times.
    int attributes(const CpioRecord& r, bool times) {
        int err = vfs_chown(root_, r.name, r.uid, r.gid, kNoFollow);
        if (err == 0 && (r.mode & smode::IFMT) != smode::IFLNK) {
            err = vfs_chmod(root_, r.name, r.mode, kNoFollow);
        }
        if (err == 0 && times) {
            const linux_abi::timespec t[2] = {{r.mtime, 0}, {r.mtime, 0}};
            err = vfs_utimens(root_, r.name, t, kNoFollow);
        }
        return err;
    }

    // A later entry replaces what has the name (a directory only if empty).
    int remove_existing(const char* name) {
        int err = vfs_unlink(root_, name);
        if (err == -linux_errno::EISDIR) err = vfs_rmdir(root_, name);
        return err == -linux_errno::ENOENT || err == -linux_errno::ENOTDIR ? 0 : err;
    }

    // Runs `op`; when a parent directory is missing, creates the parents and runs it again.
    template <typename Op>
    int with_parents(const CpioRecord& r, Op op) {
        int err = op();
        if (err != -linux_errno::ENOENT) return err;
        memcpy(scratch_, r.name, r.name_len + 1);
        for (size_t i = 0; i < r.name_len; ++i) {
            if (scratch_[i] != '/') continue;
            scratch_[i] = '\0';
            err = vfs_mkdir(root_, scratch_, 0755);
            scratch_[i] = '/';
            if (err < 0 && err != -linux_errno::EEXIST) return err;
        }
        return op();
    }

    Inode* root_;
    CpioStats* stats_;
    char* scratch_;  // kPathMax bytes: parent paths
    char* target_;   // kPathMax bytes: a symlink target with its NUL
    CpioAdoptPage adopt_;
    LinkTable links_;
};

// The first pass: the whole archive must be well formed before anything is created.
int validate(const void* archive, size_t size, CpioStats* stats) {
    CpioReader reader;
    cpio_reader_init(&reader, archive, size);
    CpioRecord record;
    int n;
    while ((n = cpio_next(&reader, &record)) > 0) {
    }
    if (n < 0) {
        stats->error = reader.error;
        stats->error_offset = reader.error_offset;
    }
    return n;
}

}  // namespace

int cpio_unpack(Inode* root, const void* archive, size_t size, CpioStats* stats,
                CpioAdoptPage adopt) {
    *stats = {};
    int err = validate(archive, size, stats);
    if (err < 0) return err;
    auto* scratch = static_cast<char*>(kmalloc(kPathMax));
    auto* target = static_cast<char*>(kmalloc(kPathMax));
    if (scratch == nullptr || target == nullptr) {
        kfree(scratch);
        kfree(target);
        return -linux_errno::ENOMEM;
    }
    {
        Unpacker unpacker(root, stats, scratch, target, adopt);
        CpioReader reader;
        CpioRecord record;
        cpio_reader_init(&reader, archive, size);
        while (err == 0 && cpio_next(&reader, &record) > 0) err = unpacker.entry(record);
        // Only headers are read again: adopted pages of file data may have changed meanwhile.
        cpio_reader_init(&reader, archive, size);
        reader.check_data = false;
        while (err == 0 && cpio_next(&reader, &record) > 0) {
            if ((record.mode & smode::IFMT) == smode::IFDIR) unpacker.directory_time(record);
        }
    }
    kfree(scratch);
    kfree(target);
    return err;
}

}  // namespace fs

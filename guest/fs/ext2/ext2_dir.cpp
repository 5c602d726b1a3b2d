// Directory contents: linked lists of entries in each directory block (read through the
// block cache), searched linearly (htree directories are valid linear directories; changing
// one clears EXT2_INDEX_FL as Linux does). Every entry is checked before use: rec_len at least
// 12, a multiple of 4, holding its name and inside its block; the inode number in range. A
// bad entry is -EIO and marks the instance errored. Cookies for iterate are the byte offset of
// the entry in the directory plus 2 (0 and 1 are "." and ".." of the VFS).
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"

namespace fs::ext2 {

namespace {

struct Entry {
    uint32_t ino;
    uint32_t rec_len;
    uint32_t name_len;
    uint8_t ftype;
    const char* name;
};

bool has_filetype(const Ext2Fs* fs) {
    return (fs->incompat & kIncompatFiletype) != 0;
}

int decode_entry(Ext2Fs* fs, const uint8_t* block, uint32_t off, Entry* e) {
    if (off + kDirentHeader > fs->block_size) return fs_error(fs, "directory entry crosses block");
    const uint8_t* p = block + off;
    e->ino = ld32(p);
    e->rec_len = ld16(p + 4);
    e->name_len = p[6];
    e->ftype = has_filetype(fs) ? p[7] : kFtUnknown;
    e->name = reinterpret_cast<const char*>(p + kDirentHeader);
    if (e->rec_len < 12 || e->rec_len % 4 != 0 || off + e->rec_len > fs->block_size ||
        (e->ino != 0 && e->rec_len < dirent_size(e->name_len)) ||
        (e->ino != 0 && e->name_len == 0) || e->ino > fs->inodes_count) {
        return fs_error(fs, "bad directory entry");
    }
    return 0;
}

void encode_entry(Ext2Fs* fs, uint8_t* p, uint32_t ino, uint32_t rec_len, Name name,
                  uint8_t ftype) {
    st32(p, ino);
    st16(p + 4, uint16_t(rec_len));
    p[6] = uint8_t(name.len);
    p[7] = has_filetype(fs) ? ftype : 0;
    memcpy(p + kDirentHeader, name.data, name.len);
}

bool is_dot(const Entry& e) {
    return (e.name_len == 1 && e.name[0] == '.') ||
           (e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
}

// Calls f(buf, offset in block, offset in directory, entry, previous entry's offset in block
// or -1) for every entry at or after `start`; f returns 0 to go on, 1 to stop, <0 an error.
template <typename F>
int walk(Ext2Fs* fs, Ext2Inode* dir, uint64_t start, F f) {
    const uint64_t nblocks = dir->size / fs->block_size;
    for (uint64_t lb = start / fs->block_size; lb < nblocks; ++lb) {
        uint32_t block = 0;
        int err = bmap(fs, dir, lb, false, false, &block);
        if (err < 0) return err;
        if (block == 0) return fs_error(fs, "hole in a directory");
        Buf* buf = nullptr;
        err = bc_get(fs, block, true, &buf);
        if (err < 0) return err;
        int64_t prev = -1;
        for (uint32_t off = 0; off < fs->block_size;) {
            Entry e;
            err = decode_entry(fs, buf->data, off, &e);
            if (err < 0) break;
            const uint64_t at = lb * fs->block_size + off;
            if (at >= start) {
                err = f(buf, off, at, e, prev);
                if (err != 0) break;
            }
            prev = off;
            off += e.rec_len;
        }
        bc_put(fs, buf);
        if (err != 0) return err;
    }
    return 0;
}

void changed(Ext2Inode* dir) {
    dir->flags &= ~kIndexFl;
}

}  // namespace

int dir_find(Ext2Fs* fs, Ext2Inode* dir, Name name, uint32_t* ino, uint64_t* offset) {
    int err = walk(fs, dir, 0, [&](Buf*, uint32_t, uint64_t at, const Entry& e, int64_t) {
        if (e.ino == 0 || e.name_len != name.len || memcmp(e.name, name.data, name.len) != 0) {
            return 0;
        }
        *ino = e.ino;
        *offset = at;
        return 1;
    });
    if (err < 0) return err;
    return err == 1 ? 0 : -linux_errno::ENOENT;
}

int dir_add(Ext2Fs* fs, Ext2Inode* dir, Name name, uint32_t ino, uint8_t ftype) {
    if (const int err = can_write(fs); err < 0) return err;
    const uint32_t need = dirent_size(uint32_t(name.len));
    int err = walk(fs, dir, 0, [&](Buf* buf, uint32_t off, uint64_t, const Entry& e, int64_t) {
        const uint32_t used = e.ino != 0 ? dirent_size(e.name_len) : 0;
        if (e.rec_len - used < need) return 0;
        uint8_t* p = buf->data + off;
        if (e.ino != 0) {
            st16(p + 4, uint16_t(used));
            encode_entry(fs, p + used, ino, e.rec_len - used, name, ftype);
        } else {
            encode_entry(fs, p, ino, e.rec_len, name, ftype);
        }
        bc_dirty(buf);
        return 1;
    });
    if (err < 0) return err;
    changed(dir);
    if (err == 1) return 0;
    // No room: a new block at the end.
    const uint64_t lb = dir->size / fs->block_size;
    uint32_t block = 0;
    err = bmap(fs, dir, lb, true, false, &block);
    if (err < 0) return err;
    Buf* buf = nullptr;
    err = bc_get(fs, block, false, &buf);
    if (err < 0) return err;
    encode_entry(fs, buf->data, ino, fs->block_size, name, ftype);
    bc_dirty(buf);
    bc_put(fs, buf);
    dir->size += fs->block_size;
    return 0;
}

int dir_remove_at(Ext2Fs* fs, Ext2Inode* dir, uint64_t offset) {
    if (const int err = can_write(fs); err < 0) return err;
    const uint64_t block_start = offset - offset % fs->block_size;
    const int err = walk(fs, dir, block_start,
                         [&](Buf* buf, uint32_t off, uint64_t at, const Entry& e, int64_t prev) {
                             if (at != offset) return at > offset ? -linux_errno::ENOENT : 0;
                             if (prev >= 0) {
                                 uint8_t* p = buf->data + prev;
                                 st16(p + 4, uint16_t(ld16(p + 4) + e.rec_len));
                             } else {
                                 st32(buf->data + off, 0);
                             }
                             bc_dirty(buf);
                             return 1;
                         });
    if (err < 0) return err;
    changed(dir);
    return err == 1 ? 0 : -linux_errno::ENOENT;
}

int dir_set_at(Ext2Fs* fs, Ext2Inode* dir, uint64_t offset, uint32_t ino, uint8_t ftype) {
    if (const int err = can_write(fs); err < 0) return err;
    const int err =
        walk(fs, dir, offset, [&](Buf* buf, uint32_t off, uint64_t at, const Entry&, int64_t) {
            if (at != offset) return -linux_errno::ENOENT;
            st32(buf->data + off, ino);
            if (has_filetype(fs)) buf->data[off + 7] = ftype;
            bc_dirty(buf);
            return 1;
        });
    if (err < 0) return err;
    changed(dir);
    return err == 1 ? 0 : -linux_errno::ENOENT;
}

int dir_set_dotdot(Ext2Fs* fs, Ext2Inode* dir, uint32_t parent_ino) {
    if (const int err = can_write(fs); err < 0) return err;
    const int err =
        walk(fs, dir, 0, [&](Buf* buf, uint32_t off, uint64_t at, const Entry& e, int64_t) {
            if (at >= fs->block_size) return fs_error(fs, "directory without \"..\"");
            if (e.ino == 0 || e.name_len != 2 || e.name[0] != '.' || e.name[1] != '.') return 0;
            st32(buf->data + off, parent_ino);
            bc_dirty(buf);
            return 1;
        });
    if (err < 0) return err;
    return err == 1 ? 0 : fs_error(fs, "directory without \"..\"");
}

int dir_is_empty(Ext2Fs* fs, Ext2Inode* dir) {
    const int err = walk(fs, dir, 0, [&](Buf*, uint32_t, uint64_t, const Entry& e, int64_t) {
        return e.ino != 0 && !is_dot(e) ? 1 : 0;
    });
    if (err < 0) return err;
    return err == 1 ? 0 : 1;
}

int dir_init(Ext2Fs* fs, Ext2Inode* dir, uint32_t parent_ino) {
    uint32_t block = 0;
    int err = bmap(fs, dir, 0, true, false, &block);
    if (err < 0) return err;
    Buf* buf = nullptr;
    err = bc_get(fs, block, false, &buf);
    if (err < 0) return err;
    encode_entry(fs, buf->data, uint32_t(dir->ino), 12, Name{".", 1}, kFtDir);
    encode_entry(fs, buf->data + 12, parent_ino, fs->block_size - 12, Name{"..", 2}, kFtDir);
    bc_dirty(buf);
    bc_put(fs, buf);
    dir->size = fs->block_size;
    return 0;
}

int dir_iterate(Ext2Fs* fs, Ext2Inode* dir, uint64_t cookie, DirEmit emit, void* ctx) {
    const uint64_t start = cookie < 2 ? 0 : cookie - 2;
    const int err = walk(fs, dir, start, [&](Buf*, uint32_t, uint64_t at, const Entry& e, int64_t) {
        if (e.ino == 0 || is_dot(e)) return 0;
        if (e.ino < fs->first_ino && e.ino != kRootIno) return 0;  // never names anything
        return emit(ctx, Name{e.name, e.name_len}, e.ino, ftype_to_dtype(e.ftype), at + 2) ? 0 : 1;
    });
    return err < 0 ? err : 0;
}

}  // namespace fs::ext2

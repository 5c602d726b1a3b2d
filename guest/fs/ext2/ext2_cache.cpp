// Device I/O in file-system blocks and the metadata block cache: a hash of block number ->
// Buf, write-back (dirty blocks are written by bc_flush, or when evicted), bounded by
// kBufLimit unpinned blocks (a clock scan over the buckets evicts).
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs::ext2 {

namespace {

uint32_t bucket(uint32_t block) {
    return (block * 2654435761u) >> 24;  // 256 buckets
}

void unlink_buf(Ext2Fs* fs, Buf* buf) {
    Buf** p = &fs->bc.buckets[bucket(buf->block)];
    while (*p != nullptr && *p != buf) p = &(*p)->next;
    if (*p == buf) *p = buf->next;
    buf->next = nullptr;
}

void free_buf(Ext2Fs* fs, Buf* buf) {
    kfree(buf->data);
    kfree(buf);
    --fs->bc.count;
}

// Evicts unpinned blocks (writing dirty ones) while the cache is over its bound.
void shrink(Ext2Fs* fs) {
    uint32_t scanned = 0;
    while (fs->bc.count > kBufLimit && scanned < kBufBuckets) {
        const uint32_t b = fs->bc.hand;
        fs->bc.hand = (fs->bc.hand + 1) % kBufBuckets;
        ++scanned;
        Buf** p = &fs->bc.buckets[b];
        while (*p != nullptr && fs->bc.count > kBufLimit) {
            Buf* buf = *p;
            if (buf->pins != 0 || (buf->dirty && dev_write_block(fs, buf->block, buf->data) < 0)) {
                p = &buf->next;
                continue;
            }
            *p = buf->next;
            free_buf(fs, buf);
        }
    }
}

// Whether `count` blocks from `block` may be written: -EIO past the device or over block 0,
// -EROFS on a read-only instance, else 0.
int write_range_ok(const Ext2Fs* fs, uint32_t block, uint32_t count) {
    if (count == 0 || block == 0 || block >= fs->blocks_count || count > fs->blocks_count - block) {
        return -linux_errno::EIO;
    }
    return fs->read_only ? -linux_errno::EROFS : 0;
}

}  // namespace

int dev_read_block(Ext2Fs* fs, uint32_t block, void* buf) {
    if (block >= fs->blocks_count) return -linux_errno::EIO;
    return fs->dev->ops->read(fs->dev, uint64_t(block) * fs->sectors_per_block, buf,
                              fs->sectors_per_block);
}

int dev_write_block(Ext2Fs* fs, uint32_t block, const void* buf) {
    if (const int err = write_range_ok(fs, block, 1); err < 0) return err;
    return fs->dev->ops->write(fs->dev, uint64_t(block) * fs->sectors_per_block, buf,
                               fs->sectors_per_block);
}

int dev_read_blocks(Ext2Fs* fs, uint32_t block, uint32_t count, void* buf) {
    if (count == 0 || block >= fs->blocks_count || count > fs->blocks_count - block) {
        return -linux_errno::EIO;
    }
    return fs->dev->ops->read(fs->dev, uint64_t(block) * fs->sectors_per_block, buf,
                              count * fs->sectors_per_block);
}

struct WriteBuffer {
    void* block;
    uint32_t refs;  // atomic
    unsigned order;
};

WriteBuffer* write_buffer_new(void* block, unsigned order) {
    auto* wb = static_cast<WriteBuffer*>(kmalloc(sizeof(WriteBuffer)));
    if (wb != nullptr) *wb = WriteBuffer{block, 1, order};
    return wb;
}

void write_buffer_put(WriteBuffer* wb) {
    if (__atomic_sub_fetch(&wb->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    block_free(wb->block, wb->order);
    kfree(wb);
}

unsigned block_order(uint64_t pages) {
    unsigned order = 0;
    while ((uint64_t(1) << order) < pages) ++order;
    return order;
}

namespace {

// A data write the device answers later, holding a reference on its buffer until then.
struct AsyncWriteBack {
    blk::AsyncIo op;  // first: done() gets it back
    Ext2Fs* fs;
    WriteBuffer* wb;
};

void write_back_done(blk::AsyncIo* op, int error) {
    auto* w = reinterpret_cast<AsyncWriteBack*>(op);
    if (error != 0) __atomic_store_n(&w->fs->async_error, 1, __ATOMIC_RELEASE);
    write_buffer_put(w->wb);
    kfree(w);
}

}  // namespace

int dev_write_async(Ext2Fs* fs, uint32_t block, uint32_t count, const void* data, WriteBuffer* wb) {
    const auto write_async = fs->dev->ops->write_async;
    auto* w = write_async != nullptr ? static_cast<AsyncWriteBack*>(kmalloc(sizeof(AsyncWriteBack)))
                                     : nullptr;
    if (w == nullptr) return dev_write_blocks(fs, block, count, data);  // and wait
    if (const int err = write_range_ok(fs, block, count); err < 0) {
        kfree(w);
        return err;
    }
    *w = AsyncWriteBack{};
    w->op.done = write_back_done;
    w->fs = fs;
    w->wb = wb;
    __atomic_add_fetch(&wb->refs, 1, __ATOMIC_ACQ_REL);
    const int err = write_async(fs->dev, uint64_t(block) * fs->sectors_per_block, data,
                                count * fs->sectors_per_block, &w->op);
    if (err < 0) {
        write_buffer_put(wb);  // not the last: the caller holds one
        kfree(w);
    }
    return err;
}

int dev_drain(Ext2Fs* fs) {
    const int err = fs->dev->ops->drain != nullptr ? fs->dev->ops->drain(fs->dev) : 0;
    if (__atomic_exchange_n(&fs->async_error, 0, __ATOMIC_ACQ_REL) != 0) return -linux_errno::EIO;
    return err;
}

int dev_write_blocks(Ext2Fs* fs, uint32_t block, uint32_t count, const void* buf) {
    if (const int err = write_range_ok(fs, block, count); err < 0) return err;
    return fs->dev->ops->write(fs->dev, uint64_t(block) * fs->sectors_per_block, buf,
                               count * fs->sectors_per_block);
}

int bc_get(Ext2Fs* fs, uint32_t block, bool read, Buf** out) {
    for (Buf* b = fs->bc.buckets[bucket(block)]; b != nullptr; b = b->next) {
        if (b->block == block) {
            ++b->pins;
            if (!read) memset(b->data, 0, fs->block_size);
            *out = b;
            return 0;
        }
    }
    auto* buf = static_cast<Buf*>(kzalloc(sizeof(Buf)));
    uint8_t* data = static_cast<uint8_t*>(kmalloc(fs->block_size));
    if (buf == nullptr || data == nullptr) {
        kfree(buf);
        kfree(data);
        return -linux_errno::ENOMEM;
    }
    if (read) {
        const int err = dev_read_block(fs, block, data);
        if (err < 0) {
            kfree(buf);
            kfree(data);
            return err;
        }
    } else {
        memset(data, 0, fs->block_size);
    }
    buf->block = block;
    buf->pins = 1;
    buf->data = data;
    const uint32_t h = bucket(block);
    buf->next = fs->bc.buckets[h];
    fs->bc.buckets[h] = buf;
    ++fs->bc.count;
    *out = buf;
    return 0;
}

void bc_put(Ext2Fs* fs, Buf* buf) {
    if (buf == nullptr) return;
    if (--buf->pins == 0) {
        if (buf->dead) {
            free_buf(fs, buf);
            return;
        }
        if (fs->bc.count > kBufLimit) shrink(fs);
    }
}

void bc_forget(Ext2Fs* fs, uint32_t block) {
    for (Buf* b = fs->bc.buckets[bucket(block)]; b != nullptr; b = b->next) {
        if (b->block != block) continue;
        unlink_buf(fs, b);
        b->dirty = false;
        if (b->pins == 0) {
            free_buf(fs, b);
        } else {
            b->dead = true;
        }
        return;
    }
}

int bc_flush(Ext2Fs* fs) {
    int result = 0;
    for (uint32_t i = 0; i < kBufBuckets; ++i) {
        for (Buf* b = fs->bc.buckets[i]; b != nullptr; b = b->next) {
            if (!b->dirty) continue;
            const int err = dev_write_block(fs, b->block, b->data);
            if (err < 0) {
                result = err;
            } else {
                b->dirty = false;
            }
        }
    }
    return result;
}

void bc_free_all(Ext2Fs* fs) {
    for (uint32_t i = 0; i < kBufBuckets; ++i) {
        while (Buf* b = fs->bc.buckets[i]) {
            fs->bc.buckets[i] = b->next;
            free_buf(fs, b);
        }
    }
}

}  // namespace fs::ext2

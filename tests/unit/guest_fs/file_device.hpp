// A block device on a host file for the ext2 tests, with the driver contract of
// guest/dev/block.hpp: synchronous reads, writes and flush, and asynchronous writes and reads
// whose buffers are used only when they complete (late, in batches: at most kAsyncHeld are
// held), so that a write-back freeing or changing its buffer too early, a read-ahead used
// before it is done, or a request that must wait for one, shows up as wrong bytes (or an ASan
// report). A request touching the sectors of a held write completes it (and what is older)
// first, and drain and flush complete every one, as virtio-blk does.
#pragma once

#include <atomic>
#include <cstdint>

#include "dev/block.hpp"

namespace guest_fs_test {

extern std::atomic<bool> g_fail_writes;     // writes (and async completions) answer -EIO
extern std::atomic<int> g_writes;           // writes that reached the file
extern std::atomic<int64_t> g_reads_left;   // reads before the device fails them; -1: never
extern std::atomic<int> g_async_completed;  // asynchronous transfers answered
extern std::atomic<int> g_async_reads;      // asynchronous reads asked for

inline constexpr int kAsyncHeld = 4;

extern const blk::BlockOps kFileOps;  // with write_async and drain
extern const blk::BlockOps kSyncOps;  // without: the file system writes synchronously

int held_writes();  // asynchronous transfers not answered yet, on every device

}  // namespace guest_fs_test

// Pipes: a 64 KiB ring shared by a read end and a write end (pipe2), and the files behind
// FIFOs. Blocking and O_NONBLOCK semantics, atomic writes up to PIPE_BUF, EOF when every
// writer is gone, EPIPE + SIGPIPE when every reader is gone.
#pragma once

#include <stdint.h>

namespace fs {
struct File;
}

namespace ipc {

inline constexpr uint32_t kPipeCapacity = 65536;
inline constexpr uint32_t kPipeBuf = 4096;  // PIPE_BUF: writes up to this size are atomic

// Two new Files, [0] the read end and [1] the write end. 0 or -ENOMEM.
int pipe_create(bool nonblock, fs::File* ends[2]);

// F_GETPIPE_SZ: the capacity of a pipe end, -EBADF for anything else.
int64_t pipe_capacity(fs::File* file);

}  // namespace ipc

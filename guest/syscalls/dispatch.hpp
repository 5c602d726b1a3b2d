// The system-call layer: the number -> handler table (syscalls/table.inc, one list) and the
// dispatcher. Each family lives in its own file (fs.cpp, mm.cpp, proc.cpp, signal.cpp,
// time.cpp ...); a handler validates its arguments, copies user memory only through
// mm/usercopy.hpp and calls the subsystem. Linux errno values, negated.
#pragma once

#include <stdint.h>

struct Task;
struct TrapFrame;

namespace syscalls {

// Internal: "interrupted, restart if the signal's handler allows" (Linux's ERESTARTSYS).
// Never reaches user mode: signal delivery turns it into a restart or -EINTR.
inline constexpr int kRestartSys = 512;

struct Args {
    Task* task;
    TrapFrame* frame;
    uint64_t a[6];  // rdi, rsi, rdx, r10, r8, r9
};

using Handler = int64_t (*)(Args& args);

int64_t dispatch(Task* task, TrapFrame* frame);

}  // namespace syscalls

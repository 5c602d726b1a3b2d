#include "syscalls/dispatch.hpp"

#include "abi/errno.hpp"
#include "arch/traps.hpp"
#include "kernel/console.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"

namespace syscalls {

#define X(number, name) int64_t sys_##name(Args& args);
#include "syscalls/table.inc"
#undef X

namespace {

constexpr uint32_t kTableSize = 512;

struct Table {
    Handler handlers[kTableSize];
    constexpr Table() : handlers{} {
#define X(number, name) handlers[number] = sys_##name;
#include "syscalls/table.inc"
#undef X
    }
};

constexpr Table kTable;
uint64_t g_reported[kTableSize / 64] = {};  // unknown numbers already reported

}  // namespace

int64_t dispatch(Task* task, TrapFrame* f) {
    const uint64_t nr = f->rax;
    task->syscall_nr = int64_t(nr);
    Args args{task, f, {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}};
    int64_t result;
    if (nr < kTableSize && kTable.handlers[nr]) {
        result = kTable.handlers[nr](args);
    } else {
        const uint64_t bit = nr < kTableSize ? (uint64_t(1) << (nr % 64)) : 0;
        if (nr >= kTableSize ||
            !(__atomic_fetch_or(&g_reported[nr / 64], bit, __ATOMIC_RELAXED) & bit)) {
            kprintf("guest: unimplemented system call %ld (from %s, pid %d): -ENOSYS\n",
                    int64_t(nr), task->proc->comm, task->proc->pid);
        }
        result = -linux_errno::ENOSYS;
    }
    if (result != -kRestartSys) task->syscall_nr = -1;
    return result;
}

}  // namespace syscalls

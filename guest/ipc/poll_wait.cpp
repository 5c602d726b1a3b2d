#include "ipc/poll_wait.hpp"

namespace ipc {

namespace {

constinit SpinLock g_lock;
WaitQueue g_queue;
uint64_t g_generation = 0;

}  // namespace

SpinLock& poll_lock() {
    return g_lock;
}

WaitQueue& poll_queue() {
    return g_queue;
}

uint64_t poll_generation() {
    return g_generation;
}

void poll_wake_all() {
    LockGuard guard(g_lock);
    ++g_generation;
    sched::wake_all(g_queue);
}

}  // namespace ipc

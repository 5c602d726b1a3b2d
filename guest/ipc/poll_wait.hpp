// Readiness notification for poll/select/epoll: one domain-wide wait queue that every object
// whose readiness may have changed (pipes, the console, later sockets) wakes. Pollers re-check
// their fds after each wake-up: coarse, but no wake-up is ever lost.
#pragma once

#include <stdint.h>

#include "kernel/lock.hpp"
#include "proc/sched.hpp"

namespace ipc {

SpinLock& poll_lock();
WaitQueue& poll_queue();
uint64_t poll_generation();  // grows at every poll_wake_all (poll_lock held to read reliably)

// Called after a readiness change (takes poll_lock).
void poll_wake_all();

}  // namespace ipc

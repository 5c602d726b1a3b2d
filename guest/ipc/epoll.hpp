// epoll: an interest list of (fd, File, events, data) checked with file_poll(). Level- and
// edge-triggered (EPOLLET reports a readiness bit again only after it was seen clear) and
// EPOLLONESHOT. Blocking waits use the domain-wide poll queue (ipc/poll_wait.hpp).
#pragma once

#include <stdint.h>

namespace fs {
struct File;
}

namespace ipc {

struct EpollEvent {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
static_assert(sizeof(EpollEvent) == 12);

int epoll_create(fs::File** out);  // 0 or -ENOMEM
bool is_epoll(const fs::File* file);
// EPOLL_CTL_ADD (1), DEL (2), MOD (3). -EEXIST, -ENOENT, -EINVAL (epoll on itself), -EPERM.
int epoll_ctl(fs::File* epoll, int op, int fd, fs::File* target, const EpollEvent* event);
// Fills up to `max` ready events; deadline as poll's (0 forever, ~0 no wait). -EINTR on a
// signal.
int epoll_wait(fs::File* epoll, EpollEvent* events, int max, uint64_t deadline);

// eventfd2(2).
int eventfd_create(uint32_t initial, uint32_t flags, fs::File** out);

}  // namespace ipc

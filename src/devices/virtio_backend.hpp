// A virtio device's back end as the monitor runs it: its transport (the MMIO window), the work
// a doorbell starts, and, for devices whose work completes later (disk I/O), a file descriptor
// the back end's thread also waits on and the work its readiness starts. One thread calls
// process() and complete(); the transport calls the VirtioDevice side from vCPU threads.
#pragma once

#include <poll.h>

#include <cstddef>
#include <span>

#include "memory/guest_memory.hpp"
#include "virtio/mmio_transport.hpp"

namespace domus {

class VirtioBackend {
  public:
    virtual ~VirtioBackend() = default;
    virtual const char* name() const = 0;
    virtual virtio::MmioTransport& transport() = 0;
    // Serves what the driver made available; true when its interrupt should be signalled.
    virtual bool process(GuestMemory& mem) = 0;
    // Readable when complete() has work (-1: never).
    virtual int completion_fd() const { return -1; }
    // Finishes what completed; true when the driver's interrupt should be signalled.
    virtual bool complete(GuestMemory&) { return false; }
    // The descriptors the back end's thread waits on besides its doorbell, with the events
    // wanted now (asked before each wait; at most kMaxWaitFds): by default the completion fd.
    static constexpr size_t kMaxWaitFds = 4;
    virtual size_t wait_fds(std::span<pollfd, kMaxWaitFds> out) const {
        if (completion_fd() < 0) return 0;
        out[0] = {completion_fd(), POLLIN, 0};
        return 1;
    }
    // Some of them are ready (revents set); true when the driver's interrupt should be
    // signalled. By default: complete().
    virtual bool on_ready(GuestMemory& mem, std::span<const pollfd> ready) {
        return !ready.empty() && ready[0].revents != 0 && complete(mem);
    }
    // Whether the doorbell (QueueNotify) should be an ioeventfd rather than an MMIO exit:
    // worth its cost at teardown for devices with many requests.
    virtual bool wants_ioeventfd() const { return false; }
};

}  // namespace domus

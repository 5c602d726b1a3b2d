// An io_uring (liburing) owned by one thread, whose completions also signal an eventfd so the
// thread can wait for them beside its other file descriptors. Thin: callers prepare SQEs with
// liburing's io_uring_prep_* helpers.
//
// The ring runs only the operations its owner names (IORING_RESTRICTION_SQE_OP, registered
// before the ring is enabled): an SQE of any other opcode, or with any IOSQE_* flag, completes
// with -EACCES, and no io_uring_register operation is accepted once it runs. io_uring's
// operations do not pass through the monitor's seccomp filter (which allows io_uring_enter),
// so without this a monitor taken over through a guest could open files, sockets or
// connections through its disk's ring.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <functional>
#include <initializer_list>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus {

class IoRing {
  public:
    IoRing() = default;
    ~IoRing();
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;

    // `entries` submission slots (the completion ring is twice that), running only the
    // opcodes in `ops` (IORING_OP_*); `what` names the user in messages.
    Status init(unsigned entries, const char* what, std::initializer_list<uint8_t> ops);
    bool ready() const { return ready_; }
    int event_fd() const { return event_.get(); }
    int ring_fd() const { return ring_.ring_fd; }  // for io_uring_register (refused once running)

    // A free SQE, submitting what is queued to make room if needed; nullptr when the ring is
    // full of requests the kernel has not taken yet (the caller retries after completions).
    io_uring_sqe* get_sqe();
    // Hands queued SQEs to the kernel (no-op when there are none).
    void submit();
    // Clears the eventfd, then calls `fn(user_data, res)` for every completion available.
    // Returns the number of completions.
    unsigned drain(const std::function<void(uint64_t, int32_t)>& fn);
    // Waits up to `timeout_ms` for at least one completion (teardown).
    bool wait(int timeout_ms);

  private:
    io_uring ring_{};
    Fd event_;
    bool ready_ = false;
    unsigned queued_ = 0;  // SQEs prepared since the last submit
};

}  // namespace domus

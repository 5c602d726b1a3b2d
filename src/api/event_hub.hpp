// Fan-out of "a new event was stored" from the Controller's callback to the long-polls and
// event streams waiting for one. Waiters must not block (they post to their connection).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace domus::api {

class EventHub {
  public:
    using Waiter = std::function<void()>;

    uint64_t add(Waiter waiter);  // 0 once closed
    void remove(uint64_t id);
    void notify();
    // After close() returns, no waiter runs again (the server calls it before tearing down the
    // executors waiters post to; the Controller may keep calling notify()).
    void close();

  private:
    std::mutex mutex_;
    std::map<uint64_t, Waiter> waiters_;
    uint64_t next_id_ = 1;
    bool closed_ = false;
};

}  // namespace domus::api

// EventHub: waiters are called under the lock so close() can guarantee none is running.
#include "api/event_hub.hpp"

namespace domus::api {

uint64_t EventHub::add(Waiter waiter) {
    std::lock_guard lock(mutex_);
    if (closed_) return 0;
    const uint64_t id = next_id_++;
    waiters_.emplace(id, std::move(waiter));
    return id;
}

void EventHub::remove(uint64_t id) {
    std::lock_guard lock(mutex_);
    waiters_.erase(id);
}

void EventHub::notify() {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    for (auto& [id, waiter] : waiters_) waiter();
}

void EventHub::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    waiters_.clear();
}

}  // namespace domus::api

// The per-name lock map with its sweep.
#include "control/name_locks.hpp"

#include <algorithm>

namespace domus::control {

std::shared_ptr<std::mutex> NameLocks::get(const std::string& name) {
    std::lock_guard lock(mu_);
    if (locks_.size() >= sweep_at_) sweep_locked();
    auto& m = locks_[name];
    if (!m) m = std::make_shared<std::mutex>();
    return m;
}

size_t NameLocks::size() const {
    std::lock_guard lock(mu_);
    return locks_.size();
}

// Copies are only made here, under mu_: an entry whose count is 1 is held by the map alone,
// and nobody can get a copy of it before it is erased.
void NameLocks::sweep_locked() {
    std::erase_if(locks_, [](const auto& entry) { return entry.second.use_count() == 1; });
    sweep_at_ = std::max(kMinSweep, 2 * locks_.size());
}

}  // namespace domus::control

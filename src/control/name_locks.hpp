// One mutex per domain name, made on first use and dropped when nobody holds it any more, so
// the map does not grow with every name ever asked for (a client may ask for any number of
// names that do not exist).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace domus::control {

class NameLocks {
  public:
    // The mutex of `name` (shared by everyone who asks for the same name while one is alive).
    // Entries nobody else holds are swept once the map has doubled since the last sweep.
    std::shared_ptr<std::mutex> get(const std::string& name);
    size_t size() const;  // entries in the map (for tests and metrics)

  private:
    void sweep_locked();
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<std::mutex>> locks_;
    size_t sweep_at_ = kMinSweep;
    static constexpr size_t kMinSweep = 64;
};

}  // namespace domus::control

// The state store plus an in-memory copy of every domain record: reads are served from memory
// (no SQLite, no I/O), writes go to SQLite first and reach the copy only once committed. All
// writes go through here, so the copy never disagrees with the database. Thread-safe; a reader
// of the copy never waits for a write's SQLite transaction (two locks: store_mu_ for SQLite,
// held through a write, then copy_mu_ only to swap the result in).
//
// generation() grows by one with every committed change; a reader that records it before
// reading knows the data it then reads is at least that new (used to cache derived views).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/state_store.hpp"

namespace domus::control {

class DomainTable {
  public:
    // Loads every record the store can read (a damaged row is skipped, as in list_domains).
    static std::unique_ptr<DomainTable> open(StateStore store);

    // As StateStore::create_domain; `first_event_id` receives the id its "created" event got
    // (what discard() needs to undo the create).
    Result<DomainRecord> create(const DomainConfig& config, int64_t& first_event_id);
    // As StateStore::update_domain; the copy then holds the record as stored.
    Status update(const DomainRecord& record, const Event& event);
    // As StateStore::discard_domain / delete_domain.
    Status discard(const std::string& name, int64_t first_event_id);
    Status remove(const std::string& name);

    std::optional<DomainRecord> get(const std::string& name) const;
    std::optional<DomainRecord> get(int64_t id) const;
    std::vector<DomainRecord> list() const;  // ordered by id
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

    std::vector<Event> events_after(int64_t after_id, size_t limit) const;
    int64_t last_event_id() const;
    Result<int64_t> prune_events(int64_t keep);  // as StateStore::prune_events

  private:
    explicit DomainTable(StateStore store) : store_(std::move(store)) {}
    // With store_mu_ held, after a committed change to domain `id` (0: none had the name): re-reads
    // `name` from SQLite into the copy (or drops it when gone) and bumps the generation. If the
    // read-back fails, `fallback` (what was written) stands in for the stored row.
    void refresh_locked(const std::string& name, int64_t id, std::optional<DomainRecord> fallback);
    int64_t id_of(const std::string& name) const;  // 0 when none

    mutable std::mutex store_mu_;  // the SQLite connection; taken before copy_mu_
    mutable std::mutex copy_mu_;   // by_id_ and id_of_
    StateStore store_;
    std::map<int64_t, DomainRecord> by_id_;
    std::unordered_map<std::string, int64_t> id_of_;
    std::atomic<uint64_t> generation_{1};
};

}  // namespace domus::control

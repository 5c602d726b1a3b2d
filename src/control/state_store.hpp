// The daemon's persistent state in SQLite (WAL): domain definitions, their state, lifecycle
// events. Every mutating call is one transaction: it either fully happens or changes nothing.
// Not thread-safe: the controller serialises access (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "control/domain_state.hpp"

namespace domus::control {

class StateStore {
  public:
    // Opens (creating if needed) the database at `path`, enables WAL and foreign keys, applies
    // pending schema migrations in one transaction each. Errc::io with the path on failure.
    static Result<StateStore> open(const std::string& path);

    StateStore(StateStore&&) noexcept;
    StateStore& operator=(StateStore&&) noexcept;
    ~StateStore();

    int schema_version() const;

    // Inserts a new domain (state stopped) and a "created" event atomically; assigns id and
    // timestamps. Errc::invalid_argument ("domain 'x' already exists") on a duplicate name, and
    // only then: any other failure, including a value the schema's CHECKs refuse (the config is
    // expected to be validated already), is Errc::io naming the database path.
    Result<DomainRecord> create_domain(const DomainConfig& config);
    std::optional<DomainRecord> get_domain(const std::string& name) const;
    std::vector<DomainRecord> list_domains() const;  // ordered by id
    // Replaces the stored record (config, state, pid, timestamps, last_exit, restarts) of
    // record.id, and appends `event` (if its type is non-empty) in the same transaction.
    // created_at is kept as stored; updated_at 0 -> now; an event with an empty domain gets the
    // record's name. Unknown id -> Errc::not_found; a rename onto a taken name ->
    // Errc::invalid_argument ("domain 'x' already exists"). Both create_domain and update_domain
    // refuse a NIC IP or MAC another domain has with Errc::resource (the nic_addresses index).
    Status update_domain(const DomainRecord& record, const Event& event);
    // Undoes a create whose request failed later (e.g. create+start): deletes the domain and
    // its events with id >= first_event_id in one transaction, leaving no trace.
    Status discard_domain(const std::string& name, int64_t first_event_id);
    // Deletes the domain and appends a "deleted" event in one transaction. Errc::not_found.
    Status delete_domain(const std::string& name);

    // Assigns id (and time if 0). The type must be 1..64 bytes (else Errc::io from the schema).
    Result<Event> append_event(const Event& event);
    std::vector<Event> events_after(int64_t after_id, size_t limit) const;
    int64_t last_event_id() const;
    // Keeps only the newest `keep` events (by id; ids are never reused) in one transaction;
    // returns how many were deleted.
    Result<int64_t> prune_events(int64_t keep);

    // The read-only calls above have no error channel: a failed read returns nullopt / what it
    // has read so far / 0 and leaves the reason here; "" when the last read-only call succeeded.
    const std::string& last_error() const;

  private:
    struct Impl;
    explicit StateStore(Impl* impl);
    Impl* impl_ = nullptr;
};

}  // namespace domus::control

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
    // timestamps. Errc::invalid_argument ("domain 'x' already exists") on a duplicate name.
    Result<DomainRecord> create_domain(const DomainConfig& config);
    std::optional<DomainRecord> get_domain(const std::string& name) const;
    std::vector<DomainRecord> list_domains() const;  // ordered by id
    // Replaces the stored record (config, state, pid, timestamps, last_exit, restarts) of
    // record.id, and appends `event` (if its type is non-empty) in the same transaction.
    Status update_domain(const DomainRecord& record, const Event& event);
    // Deletes the domain and appends a "deleted" event in one transaction.
    Status delete_domain(const std::string& name);

    Result<Event> append_event(const Event& event);  // assigns id (and time if 0)
    std::vector<Event> events_after(int64_t after_id, size_t limit) const;
    int64_t last_event_id() const;

    // The read-only calls above have no error channel: a failed read returns nullopt / what it
    // has read so far / 0 and leaves the reason here; "" when the last read-only call succeeded.
    const std::string& last_error() const;

private:
    struct Impl;
    explicit StateStore(Impl* impl);
    Impl* impl_ = nullptr;
};

}  // namespace domus::control

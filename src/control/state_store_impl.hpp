// The state store's private parts, shared by its translation units: the connection, the
// statement cache, and the mapping between records and rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "control/domain_state.hpp"
#include "control/state_store.hpp"
#include "control/state_store_sqlite.hpp"

namespace domus::control {

struct StateStore::Impl {
    std::string path;
    sqlite::DbPtr db;  // declared before `stmts`: statements are finalized first
    sqlite::StmtCache stmts{nullptr};
    int version = 0;
    std::string last_error;  // the failure of the last read-only call, "" if none

    // Errc::io naming the path, `what` and SQLite's reason (also for a CHECK violation: only
    // "already exists" is Errc::invalid_argument).
    Error error(int rc, std::string_view what) const;
    // Inserts `event` inside the caller's transaction (time 0 -> now); returns it with its id.
    Result<Event> insert_event(const Event& event);
    // Replaces the nic_addresses rows of r.id with r's NICs inside the caller's transaction:
    // Errc::resource when another domain has one of the addresses.
    Status write_nic_addresses(const DomainRecord& r, const std::string& what);
};

namespace store_rows {

int64_t now_ms();  // CLOCK_REALTIME, unix milliseconds

// The store's own spellings of the enums (the CHECK constraints of schema v1 list them).
// An out-of-range enum value maps to "invalid", which the CHECKs reject.
const char* policy_text(Policy p);
const char* state_text(DomainState s);
std::optional<Policy> policy_of(std::string_view s);
std::optional<DomainState> state_of(std::string_view s);

// The columns every SELECT of a domain returns, in this order (a macro so that statements can
// be single string literals, which the statement cache requires).
#define DOMUS_STORE_DOMAIN_COLUMNS                                                             \
    "id, name, memory, vcpus, kernel, cmdline, on_poweroff, on_reboot, on_crash, state, pid, " \
    "created_at, updated_at, started_at, last_exit_reason, last_exit_code, last_exit_detail, " \
    "restarts, ramdisk, disks, nics, cpu_weight, cap, cpus, exec"

// Binds ?1..?24 in DOMUS_STORE_DOMAIN_COLUMNS order without the id: name .. exec
// (?11 = created_at, ?12 = updated_at).
void bind_domain(sqlite::Stmt& s, const DomainRecord& r);
// Reads the current row (selected with DOMUS_STORE_DOMAIN_COLUMNS). Errc::io if a column holds
// a value the schema's CHECKs should have kept out.
Result<DomainRecord> read_domain(const sqlite::Stmt& s);

}  // namespace store_rows

}  // namespace domus::control

#include "control/state_store_schema.hpp"

#include <string>

#include "control/state_store_sqlite.hpp"

namespace domus::control::store_schema {

namespace {

// v1: domain definitions with their lifecycle state, and the lifecycle event log. STRICT
// tables enforce column types; CHECKs keep enum columns to their known spellings. Events keep
// the domain's name (not a foreign key) so they outlive the domain. AUTOINCREMENT: ids are
// never reused, even after deletions, so event cursors (after=ID) stay valid.
constexpr const char kV1[] = R"sql(
CREATE TABLE domains (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    memory           INTEGER NOT NULL CHECK (memory > 0),
    vcpus            INTEGER NOT NULL CHECK (vcpus > 0),
    kernel           TEXT    NOT NULL DEFAULT '',
    cmdline          TEXT    NOT NULL DEFAULT '',
    on_poweroff      TEXT    NOT NULL CHECK (on_poweroff IN ('destroy', 'restart', 'preserve')),
    on_reboot        TEXT    NOT NULL CHECK (on_reboot IN ('destroy', 'restart', 'preserve')),
    on_crash         TEXT    NOT NULL CHECK (on_crash IN ('destroy', 'restart', 'preserve')),
    state            TEXT    NOT NULL
                     CHECK (state IN ('stopped', 'running', 'paused', 'shutting-down', 'crashed')),
    pid              INTEGER NOT NULL DEFAULT 0 CHECK (pid >= 0),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    started_at       INTEGER NOT NULL DEFAULT 0,
    last_exit_reason TEXT,
    last_exit_code   INTEGER,
    last_exit_detail TEXT,
    restarts         INTEGER NOT NULL DEFAULT 0 CHECK (restarts >= 0),
    CHECK ((last_exit_reason IS NULL) = (last_exit_code IS NULL)
           AND (last_exit_code IS NULL) = (last_exit_detail IS NULL))
) STRICT;

CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    time   INTEGER NOT NULL,
    domain TEXT    NOT NULL DEFAULT '',
    type   TEXT    NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    detail TEXT    NOT NULL DEFAULT ''
) STRICT;

PRAGMA user_version = 1;
)sql";

// v2: a domain's initramfs (issue 7): a file path, '' for none.
constexpr const char kV2[] = R"sql(
ALTER TABLE domains ADD COLUMN ramdisk TEXT NOT NULL DEFAULT '';

PRAGMA user_version = 2;
)sql";

// v3: a domain's disks (issue 8): the JSON array of the API's "disks" field.
constexpr const char kV3[] = R"sql(
ALTER TABLE domains ADD COLUMN disks TEXT NOT NULL DEFAULT '[]';

PRAGMA user_version = 3;
)sql";

// v4: a domain's network interfaces (issue 9): the JSON array of the API's "nics" field, with
// the addresses the daemon allocated; and an index of those addresses, kept in the same
// transaction as the domain row, whose UNIQUE constraints make a second domain with the same
// IP or MAC impossible whatever the caller does. Deleting a domain releases its addresses.
constexpr const char kV4[] = R"sql(
ALTER TABLE domains ADD COLUMN nics TEXT NOT NULL DEFAULT '[]';

CREATE TABLE nic_addresses (
    domain_id INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    nic       INTEGER NOT NULL CHECK (nic >= 0),
    ip        TEXT    UNIQUE,
    mac       TEXT    UNIQUE,
    PRIMARY KEY (domain_id, nic)
) STRICT;

PRAGMA user_version = 4;
)sql";

// v5: resource control (issue 10): xl's credit-scheduler weight and cap, and the cpus list.
constexpr const char kV5[] = R"sql(
ALTER TABLE domains ADD COLUMN cpu_weight INTEGER NOT NULL DEFAULT 256
    CHECK (cpu_weight BETWEEN 1 AND 65535);
ALTER TABLE domains ADD COLUMN cap INTEGER NOT NULL DEFAULT 0 CHECK (cap BETWEEN 0 AND 6400);
ALTER TABLE domains ADD COLUMN cpus TEXT NOT NULL DEFAULT '';

PRAGMA user_version = 5;
)sql";

// v6: a program packed into the domain's initramfs (issue 11, part 4): the JSON object of
// the API's "exec" field, 'null' for none (what every earlier domain had).
constexpr const char kV6[] = R"sql(
ALTER TABLE domains ADD COLUMN exec TEXT NOT NULL DEFAULT 'null' CHECK (exec <> '');

PRAGMA user_version = 6;
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}, {5, kV5}, {6, kV6},
};

}  // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

int latest_version() {
    return kMigrations[std::size(kMigrations) - 1].version;
}

int read_version(sqlite3* db) {
    sqlite::Stmt s;
    int rc = sqlite::Stmt::prepare(db, "PRAGMA user_version", 0, s);
    if (rc != SQLITE_OK) return -rc;
    rc = s.step();
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? -SQLITE_CORRUPT : -rc;
    return static_cast<int>(s.int_at(0));
}

Result<int> migrate(sqlite3* db, const std::string& path, std::span<const Migration> list) {
    const int latest = list.empty() ? 0 : list.back().version;
    auto fail = [&](int rc, const std::string& what) {
        return make_error(Errc::io,
                          sqlite::describe(db, rc, "state store '" + path + "': " + what));
    };

    int version = read_version(db);
    if (version < 0) return fail(-version, "reading the schema version");
    if (version > latest) {
        return make_error(Errc::unsupported,
                          "state store '" + path + "' has schema version " +
                              std::to_string(version) + ", newer than this Domus supports (" +
                              std::to_string(latest) + "); upgrade Domus or use another state dir");
    }
    for (const Migration& m : list) {
        if (m.version <= version) continue;
        const std::string what = "schema migration to version " + std::to_string(m.version);
        sqlite::Transaction txn(db);
        if (!txn.ok()) return fail(txn.begin_rc(), what);
        // Re-read under the write lock: another process may have migrated meanwhile.
        version = read_version(db);
        if (version < 0) return fail(-version, what);
        if (m.version <= version) continue;
        if (m.version != version + 1) {
            return make_error(Errc::io, "state store '" + path + "': " + what +
                                            " expects version " + std::to_string(m.version - 1) +
                                            ", found " + std::to_string(version));
        }
        if (int rc = sqlite::exec(db, m.sql); rc != SQLITE_OK) return fail(rc, what);
        version = read_version(db);
        if (version != m.version) {
            return make_error(Errc::io, "state store '" + path + "': " + what +
                                            " left the schema at version " +
                                            std::to_string(version));
        }
        if (int rc = txn.commit(); rc != SQLITE_OK) return fail(rc, what);
    }
    return version;
}

}  // namespace domus::control::store_schema

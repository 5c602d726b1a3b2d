// The state store's schema and its migrations. The schema version is PRAGMA user_version; each
// migration is a constant SQL script that ends by setting user_version to its own version, and
// is applied in its own IMMEDIATE transaction, so a failed migration leaves the previous
// version intact. Migrations are append-only: never edit one that has shipped.
#pragma once

#include <sqlite3.h>

#include <span>
#include <string>

#include "base/result.hpp"

namespace domus::control::store_schema {

struct Migration {
    int version;      // 1, 2, 3, ... in order
    const char* sql;  // ends with "PRAGMA user_version = <version>;"
};

// Domus's migrations, oldest first.
std::span<const Migration> migrations();

// The newest version Domus knows (the last migration's).
int latest_version();

// PRAGMA user_version of `db`, or a negative SQLite error code.
int read_version(sqlite3* db);

// Applies every migration of `list` newer than the database's version, in order, one
// transaction each. A database newer than the last migration -> Errc::unsupported naming both
// versions; a failing migration -> Errc::io naming `path` and the version. Returns the version
// the database is at afterwards.
Result<int> migrate(sqlite3* db, const std::string& path, std::span<const Migration> list);

}  // namespace domus::control::store_schema

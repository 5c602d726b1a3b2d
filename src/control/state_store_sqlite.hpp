// Small RAII wrappers over the sqlite3 C API, internal to the state store: a connection, a
// prepared statement (values only ever bound, never spliced into SQL), a cache of prepared
// statements whose leases reset them, and an IMMEDIATE transaction that rolls back unless
// committed. Errors are values: functions return the SQLite result code or a Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/result.hpp"

namespace domus::control::sqlite {

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// "what: <sqlite message> (code N)". Uses the connection's message when it belongs to `rc`.
std::string describe(sqlite3* db, int rc, std::string_view what);

// Runs a constant SQL script (no values: DDL, pragmas, BEGIN/COMMIT). Returns the result code.
int exec(sqlite3* db, const char* sql);

class Stmt {
  public:
    Stmt() = default;
    explicit Stmt(sqlite3_stmt* s) : s_(s) {}

    // Prepares one statement. On failure returns the result code and leaves `out` empty.
    static int prepare(sqlite3* db, std::string_view sql, unsigned flags, Stmt& out);

    sqlite3_stmt* get() const { return s_.get(); }
    explicit operator bool() const { return s_ != nullptr; }

    // Parameters are 1-based. The first failing bind is remembered and returned by step().
    void bind(int i, int64_t v) { note(sqlite3_bind_int64(get(), i, v)); }
    void bind(int i, std::string_view v);
    void bind_null(int i) { note(sqlite3_bind_null(get(), i)); }

    // SQLITE_ROW, SQLITE_DONE, or an error code (a remembered bind error first).
    int step();
    // Back to the start with no bindings; ends the statement's implicit read transaction.
    void reset();

    bool is_null(int col) const { return sqlite3_column_type(get(), col) == SQLITE_NULL; }
    int64_t int_at(int col) const { return sqlite3_column_int64(get(), col); }
    std::string text_at(int col) const;  // NULL reads as ""

  private:
    void note(int rc) {
        if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    }
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
    int bind_rc_ = SQLITE_OK;
};

// A cached statement in use; resets it (and clears its bindings) when the lease ends, so no
// statement ever keeps a read transaction open between calls.
class Lease {
  public:
    explicit Lease(Stmt* s) : s_(s) {}
    Lease(Lease&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
        if (s_ != nullptr) s_->reset();
    }
    Stmt& operator*() const { return *s_; }
    Stmt* operator->() const { return s_; }

  private:
    Stmt* s_;
};

// Prepared statements keyed by their SQL text, which must outlive the cache (string literals).
class StmtCache {
  public:
    explicit StmtCache(sqlite3* db) : db_(db) {}
    // The statement for `sql`, prepared on first use. Errc::io with the SQLite message on failure.
    Result<Lease> get(std::string_view sql);

  private:
    sqlite3* db_;
    std::unordered_map<std::string_view, Stmt> stmts_;
};

// BEGIN IMMEDIATE on construction (check ok()); ROLLBACK on destruction unless committed.
class Transaction {
  public:
    explicit Transaction(sqlite3* db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    int begin_rc() const { return begin_rc_; }
    bool ok() const { return begin_rc_ == SQLITE_OK; }
    int commit();  // the result code of COMMIT; on failure the destructor rolls back

  private:
    sqlite3* db_;
    int begin_rc_;
    bool done_ = false;
};

}  // namespace domus::control::sqlite

#include "control/state_store_sqlite.hpp"

namespace domus::control::sqlite {

std::string describe(sqlite3* db, int rc, std::string_view what) {
    std::string msg(what);
    msg += ": ";
    // The connection's message is more precise ("UNIQUE constraint failed: domains.name") but
    // only when it is about this result code (a remembered bind error never reached it).
    if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
        msg += sqlite3_errmsg(db);
    } else {
        msg += sqlite3_errstr(rc);
    }
    msg += " (code " + std::to_string(rc) + ")";
    return msg;
}

int exec(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

int Stmt::prepare(sqlite3* db, std::string_view sql, unsigned flags, Stmt& out) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        out = Stmt();
        return rc;
    }
    out = Stmt(raw);
    return SQLITE_OK;
}

void Stmt::bind(int i, std::string_view v) {
    // SQLITE_TRANSIENT: SQLite copies the bytes, so the view need not outlive the bind.
    note(sqlite3_bind_text64(get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

int Stmt::step() {
    if (bind_rc_ != SQLITE_OK) return bind_rc_;
    return sqlite3_step(get());
}

void Stmt::reset() {
    sqlite3_reset(get());
    sqlite3_clear_bindings(get());
    bind_rc_ = SQLITE_OK;
}

std::string Stmt::text_at(int col) const {
    const auto* p = sqlite3_column_text(get(), col);  // before column_bytes, per the docs
    const int n = sqlite3_column_bytes(get(), col);
    if (p == nullptr || n <= 0) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

Result<Lease> StmtCache::get(std::string_view sql) {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) {
        Stmt s;
        int rc = Stmt::prepare(db_, sql, SQLITE_PREPARE_PERSISTENT, s);
        if (rc != SQLITE_OK) {
            return make_error(Errc::io, describe(db_, rc, "preparing a statement"));
        }
        it = stmts_.emplace(sql, std::move(s)).first;
    }
    return Lease(&it->second);
}

Transaction::Transaction(sqlite3* db) : db_(db), begin_rc_(exec(db, "BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
    // Roll back whatever is still open: a failed step, a failed COMMIT (e.g. SQLITE_BUSY keeps
    // the transaction open), or an early return. Never roll back someone else's transaction.
    if (begin_rc_ == SQLITE_OK && !done_ && sqlite3_get_autocommit(db_) == 0) {
        exec(db_, "ROLLBACK");
    }
}

int Transaction::commit() {
    int rc = exec(db_, "COMMIT");
    if (rc == SQLITE_OK) done_ = true;
    return rc;
}

}  // namespace domus::control::sqlite

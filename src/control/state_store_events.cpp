// The lifecycle event log: appended in the same transaction as the domain change it records.
#include <limits>

#include "control/state_store_impl.hpp"

namespace domus::control {

namespace {

constexpr const char kInsertEvent[] =
    "INSERT INTO events (time, domain, type, detail) VALUES (?1, ?2, ?3, ?4)";
constexpr const char kEventsAfter[] =
    "SELECT id, time, domain, type, detail FROM events WHERE id > ?1 ORDER BY id LIMIT ?2";
// Plain max(): SQLite answers it from the end of the rowid b-tree.
constexpr const char kLastEventId[] = "SELECT max(id) FROM events";
constexpr const char kPruneEvents[] =
    "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1";

}  // namespace

Result<Event> StateStore::Impl::insert_event(const Event& event) {
    Event e = event;
    if (e.time == 0) e.time = store_rows::now_ms();
    auto lease = stmts.get(kInsertEvent);
    if (!lease.ok()) return std::move(lease).error();
    sqlite::Stmt& s = **lease;
    s.bind(1, e.time);
    s.bind(2, e.domain);
    s.bind(3, e.type);
    s.bind(4, e.detail);
    if (int rc = s.step(); rc != SQLITE_DONE) {
        return error(rc, "appending a '" + e.type + "' event");
    }
    e.id = sqlite3_last_insert_rowid(db.get());
    return e;
}

Result<Event> StateStore::append_event(const Event& event) {
    const std::string what = "appending a '" + event.type + "' event";
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    auto inserted = impl_->insert_event(event);
    if (!inserted.ok()) return inserted;
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return inserted;
}

std::vector<Event> StateStore::events_after(int64_t after_id, size_t limit) const {
    impl_->last_error.clear();
    std::vector<Event> out;
    if (limit == 0) return out;
    auto lease = impl_->stmts.get(kEventsAfter);
    if (!lease.ok()) {
        impl_->last_error = lease.error().message;
        return out;
    }
    sqlite::Stmt& s = **lease;
    constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
    s.bind(1, after_id);
    s.bind(2, static_cast<int64_t>(limit > kMax ? kMax : limit));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(Event{s.int_at(0), s.int_at(1), s.text_at(2), s.text_at(3), s.text_at(4)});
    }
    if (rc != SQLITE_DONE) impl_->last_error = impl_->error(rc, "reading events").message;
    return out;
}

Result<int64_t> StateStore::prune_events(int64_t keep) {
    const std::string what = "pruning events to the newest " + std::to_string(keep);
    if (keep < 0) return make_error(Errc::invalid_argument, what + ": a negative count");
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    int64_t deleted = 0;
    {
        auto lease = impl_->stmts.get(kPruneEvents);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, keep);
        if (int rc = s.step(); rc != SQLITE_DONE) return impl_->error(rc, what);
        deleted = sqlite3_changes(impl_->db.get());
    }
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return deleted;
}

int64_t StateStore::last_event_id() const {
    impl_->last_error.clear();
    auto lease = impl_->stmts.get(kLastEventId);
    if (!lease.ok()) {
        impl_->last_error = lease.error().message;
        return 0;
    }
    sqlite::Stmt& s = **lease;
    int rc = s.step();
    if (rc != SQLITE_ROW) {
        impl_->last_error = impl_->error(rc, "reading the last event id").message;
        return 0;
    }
    return s.is_null(0) ? 0 : s.int_at(0);
}

}  // namespace domus::control

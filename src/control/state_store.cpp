// Opening the state store, and the domain calls. Events: state_store_events.cpp.
#include "control/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "base/fd.hpp"
#include "control/state_store_impl.hpp"
#include "control/state_store_schema.hpp"

namespace domus::control {

namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr const char kInsertDomain[] =
    "INSERT INTO domains (" DOMUS_STORE_DOMAIN_COLUMNS
    ") VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
    "?18, ?19, ?20, ?21, ?22, ?23, ?24)";
// created_at (?11) is deliberately not updated: the creation time is the store's, not the
// caller's, and survives any record the caller hands back.
constexpr const char kUpdateDomain[] =
    "UPDATE domains SET name = ?1, memory = ?2, vcpus = ?3, kernel = ?4, cmdline = ?5, "
    "on_poweroff = ?6, on_reboot = ?7, on_crash = ?8, state = ?9, pid = ?10, updated_at = ?12, "
    "started_at = ?13, last_exit_reason = ?14, last_exit_code = ?15, last_exit_detail = ?16, "
    "restarts = ?17, ramdisk = ?18, disks = ?19, nics = ?20, cpu_weight = ?21, cap = ?22, "
    "cpus = ?23, exec = ?24 WHERE id = ?25";
constexpr const char kDeleteNicAddresses[] = "DELETE FROM nic_addresses WHERE domain_id = ?1";
constexpr const char kInsertNicAddress[] =
    "INSERT INTO nic_addresses (domain_id, nic, ip, mac) VALUES (?1, ?2, ?3, ?4)";
constexpr const char kDeleteDomain[] = "DELETE FROM domains WHERE name = ?1";
constexpr const char kDiscardEvents[] = "DELETE FROM events WHERE domain = ?1 AND id >= ?2";
constexpr const char kSelectDomain[] =
    "SELECT " DOMUS_STORE_DOMAIN_COLUMNS " FROM domains WHERE name = ?1";
constexpr const char kSelectDomains[] =
    "SELECT " DOMUS_STORE_DOMAIN_COLUMNS " FROM domains ORDER BY id";

std::string quoted(const std::string& name) {
    return "domain '" + name + "'";
}

Error already_exists(const std::string& name) {
    return make_error(Errc::invalid_argument, quoted(name) + " already exists");
}

Error not_found(const std::string& name) {
    return make_error(Errc::not_found, quoted(name) + " not found");
}

// Errc::resource naming the NIC address another domain already has.
Error address_taken(const std::string& name, const NicConfig& nic) {
    return make_error(Errc::resource, quoted(name) + ": IP " + nic.ip + " or MAC " + nic.mac +
                                          " is already assigned to another domain");
}

// Makes sure `path` names a regular file, creating it (mode 0600: it holds every domain's
// configuration) when it does not exist yet. "" on success, else the reason.
std::string prepare_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return "is a directory";
        if (!S_ISREG(st.st_mode)) return "is not a regular file";
        return {};
    }
    if (errno != ENOENT) return std::strerror(errno);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid() && errno != EEXIST) return std::strerror(errno);
    return {};
}

// Connection settings: WAL (readers never block the writer, a crash loses at most the last
// transactions since the last sync), synchronous=NORMAL (safe with WAL), foreign keys.
Status configure(sqlite3* db, const std::string& path, bool in_memory) {
    auto io = [&](int rc, const char* what) {
        return make_error(
            Errc::io, sqlite::describe(db, rc, "cannot open state store '" + path + "': " + what));
    };
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    {
        sqlite::Stmt s;
        int rc = sqlite::Stmt::prepare(db, "PRAGMA journal_mode = WAL", 0, s);
        if (rc == SQLITE_OK) rc = s.step();
        // A file that is not a database fails here, at the first read of its header.
        if (rc != SQLITE_ROW) return io(rc, "enabling WAL");
        const std::string mode = s.text_at(0);
        if (mode != "wal" && !in_memory) {
            return make_error(Errc::io, "cannot open state store '" + path +
                                            "': the file system refused WAL (journal mode '" +
                                            mode + "')");
        }
    }
    if (int rc = sqlite::exec(db, "PRAGMA synchronous = NORMAL"); rc != SQLITE_OK) {
        return io(rc, "setting synchronous");
    }
    if (int rc = sqlite::exec(db, "PRAGMA foreign_keys = ON"); rc != SQLITE_OK) {
        return io(rc, "enabling foreign keys");
    }
    return {};
}

}  // namespace

Error StateStore::Impl::error(int rc, std::string_view what) const {
    // Errc::io, even for a value the schema's CHECKs refuse: the controller validates
    // configurations first, so such a value is a bug, and Errc::invalid_argument stays reserved
    // for "already exists" (which callers turn into 409 conflict). A full file system is
    // Errc::no_space: the transaction was rolled back and the store is as it was.
    const bool full = (rc & 0xff) == SQLITE_FULL;
    return make_error(
        full ? Errc::no_space : Errc::io,
        sqlite::describe(db.get(), rc, "state store '" + path + "': " + std::string(what)));
}

Status StateStore::Impl::write_nic_addresses(const DomainRecord& r, const std::string& what) {
    {
        auto lease = stmts.get(kDeleteNicAddresses);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, r.id);
        if (int rc = s.step(); rc != SQLITE_DONE) return error(rc, what);
    }
    for (size_t i = 0; i < r.config.nics.size(); ++i) {
        const NicConfig& n = r.config.nics[i];
        auto lease = stmts.get(kInsertNicAddress);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, r.id);
        s.bind(2, static_cast<int64_t>(i));
        if (n.ip.empty()) {
            s.bind_null(3);
        } else {
            s.bind(3, n.ip);
        }
        if (n.mac.empty()) {
            s.bind_null(4);
        } else {
            s.bind(4, n.mac);
        }
        const int rc = s.step();
        if (rc == SQLITE_CONSTRAINT_UNIQUE) return address_taken(r.config.name, n);
        if (rc != SQLITE_DONE) return error(rc, what);
    }
    return {};
}

Result<StateStore> StateStore::open(const std::string& path) {
    const bool in_memory = path == ":memory:";
    if (path.empty()) return make_error(Errc::io, "cannot open state store: empty path");
    if (!in_memory) {
        if (std::string why = prepare_file(path); !why.empty()) {
            return make_error(Errc::io, "cannot open state store '" + path + "': " + why);
        }
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    impl->db.reset(raw);  // even on failure: the handle must be closed
    if (rc != SQLITE_OK) {
        return make_error(Errc::io,
                          sqlite::describe(raw, rc, "cannot open state store '" + path + "'"));
    }
    if (Status s = configure(raw, path, in_memory); !s.ok()) return std::move(s).error();
    auto version = store_schema::migrate(raw, path, store_schema::migrations());
    if (!version.ok()) return std::move(version).error();
    impl->version = *version;
    impl->stmts = sqlite::StmtCache(raw);
    return StateStore(impl.release());
}

StateStore::StateStore(Impl* impl) : impl_(impl) {}
StateStore::StateStore(StateStore&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}
StateStore& StateStore::operator=(StateStore&& other) noexcept {
    if (this != &other) {
        delete impl_;
        impl_ = std::exchange(other.impl_, nullptr);
    }
    return *this;
}
StateStore::~StateStore() {
    delete impl_;
}

int StateStore::schema_version() const {
    return impl_->version;
}

const std::string& StateStore::last_error() const {
    return impl_->last_error;
}

Result<DomainRecord> StateStore::create_domain(const DomainConfig& config) {
    const std::string what = "creating " + quoted(config.name);
    DomainRecord r;
    r.config = config;
    r.state = DomainState::stopped;
    r.created_at = r.updated_at = store_rows::now_ms();
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    {
        auto lease = impl_->stmts.get(kInsertDomain);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        store_rows::bind_domain(s, r);
        int rc = s.step();
        if (rc == SQLITE_CONSTRAINT_UNIQUE) return already_exists(config.name);
        if (rc != SQLITE_DONE) return impl_->error(rc, what);
        r.id = sqlite3_last_insert_rowid(impl_->db.get());
    }
    if (auto st = impl_->write_nic_addresses(r, what); !st) return std::move(st).error();
    auto event = impl_->insert_event(Event{0, r.created_at, config.name, "created", ""});
    if (!event.ok()) return std::move(event).error();
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return r;
}

std::optional<DomainRecord> StateStore::get_domain(const std::string& name) const {
    impl_->last_error.clear();
    auto lease = impl_->stmts.get(kSelectDomain);
    if (!lease.ok()) {
        impl_->last_error = lease.error().message;
        return std::nullopt;
    }
    sqlite::Stmt& s = **lease;
    s.bind(1, name);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) {
        impl_->last_error = impl_->error(rc, "reading " + quoted(name)).message;
        return std::nullopt;
    }
    auto record = store_rows::read_domain(s);
    if (!record.ok()) {
        impl_->last_error = record.error().message;
        return std::nullopt;
    }
    return std::move(record).value();
}

std::vector<DomainRecord> StateStore::list_domains() const {
    impl_->last_error.clear();
    std::vector<DomainRecord> out;
    auto lease = impl_->stmts.get(kSelectDomains);
    if (!lease.ok()) {
        impl_->last_error = lease.error().message;
        return out;
    }
    sqlite::Stmt& s = **lease;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        auto record = store_rows::read_domain(s);
        if (record.ok()) {
            out.push_back(std::move(record).value());
        } else {
            impl_->last_error = record.error().message;  // skip the bad row, keep the rest
        }
    }
    if (rc != SQLITE_DONE) impl_->last_error = impl_->error(rc, "listing domains").message;
    return out;
}

Status StateStore::update_domain(const DomainRecord& record, const Event& event) {
    const std::string& name = record.config.name;
    const std::string what = "updating " + quoted(name);
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    {
        auto lease = impl_->stmts.get(kUpdateDomain);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        DomainRecord r = record;
        if (r.updated_at == 0) r.updated_at = store_rows::now_ms();
        store_rows::bind_domain(s, r);
        s.bind(25, r.id);
        int rc = s.step();
        if (rc == SQLITE_CONSTRAINT_UNIQUE) return already_exists(name);
        if (rc != SQLITE_DONE) return impl_->error(rc, what);
        if (sqlite3_changes(impl_->db.get()) == 0) {
            return make_error(Errc::not_found,
                              quoted(name) + " (id " + std::to_string(record.id) + ") not found");
        }
    }
    if (auto st = impl_->write_nic_addresses(record, what); !st) return st;
    if (!event.type.empty()) {
        Event e = event;
        if (e.domain.empty()) e.domain = name;
        auto inserted = impl_->insert_event(e);
        if (!inserted.ok()) return std::move(inserted).error();
    }
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return {};
}

Status StateStore::delete_domain(const std::string& name) {
    const std::string what = "deleting " + quoted(name);
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    {
        auto lease = impl_->stmts.get(kDeleteDomain);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, name);
        if (int rc = s.step(); rc != SQLITE_DONE) return impl_->error(rc, what);
        if (sqlite3_changes(impl_->db.get()) == 0) return not_found(name);
    }
    auto event = impl_->insert_event(Event{0, 0, name, "deleted", ""});
    if (!event.ok()) return std::move(event).error();
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return {};
}

Status StateStore::discard_domain(const std::string& name, int64_t first_event_id) {
    const std::string what = "discarding " + quoted(name);
    sqlite::Transaction txn(impl_->db.get());
    if (!txn.ok()) return impl_->error(txn.begin_rc(), what);
    {
        auto lease = impl_->stmts.get(kDeleteDomain);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, name);
        if (int rc = s.step(); rc != SQLITE_DONE) return impl_->error(rc, what);
        if (sqlite3_changes(impl_->db.get()) == 0) return not_found(name);
    }
    {
        auto lease = impl_->stmts.get(kDiscardEvents);
        if (!lease.ok()) return std::move(lease).error();
        sqlite::Stmt& s = **lease;
        s.bind(1, name);
        s.bind(2, first_event_id);
        if (int rc = s.step(); rc != SQLITE_DONE) return impl_->error(rc, what);
    }
    if (int rc = txn.commit(); rc != SQLITE_OK) return impl_->error(rc, what);
    return {};
}

}  // namespace domus::control

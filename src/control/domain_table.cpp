// DomainTable: SQLite first, then the in-memory copy.
#include "control/domain_table.hpp"

namespace domus::control {

std::unique_ptr<DomainTable> DomainTable::open(StateStore store) {
    std::unique_ptr<DomainTable> t(new DomainTable(std::move(store)));
    // A row the store cannot read is skipped (StateStore::list_domains keeps the rest), as the
    // daemon always did: one damaged row must not keep every other domain from being managed.
    auto all = t->store_.list_domains();
    for (auto& r : all) {
        t->id_of_[r.config.name] = r.id;
        t->by_id_.emplace(r.id, std::move(r));
    }
    return t;
}

void DomainTable::refresh_locked(const std::string& name, int64_t id,
                                 std::optional<DomainRecord> fallback) {
    auto stored = store_.get_domain(name);
    const bool unread = !stored && !store_.last_error().empty();
    std::lock_guard copy(copy_mu_);
    int64_t created_at = 0;
    if (auto it = by_id_.find(id); it != by_id_.end()) {
        created_at = it->second.created_at;
        id_of_.erase(it->second.config.name);
        by_id_.erase(it);
    }
    if (unread && fallback) {
        // The change is committed but could not be read back: keep what was written.
        stored = std::move(fallback);
        if (created_at != 0) stored->created_at = created_at;
    }
    if (stored) {
        id_of_[stored->config.name] = stored->id;
        by_id_[stored->id] = std::move(*stored);
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

Result<DomainRecord> DomainTable::create(const DomainConfig& config, int64_t& first_event_id) {
    std::lock_guard lock(store_mu_);
    first_event_id = store_.last_event_id() + 1;
    auto created = store_.create_domain(config);
    if (created) refresh_locked(created->config.name, created->id, *created);
    return created;
}

Status DomainTable::update(const DomainRecord& record, const Event& event) {
    std::lock_guard lock(store_mu_);
    auto st = store_.update_domain(record, event);
    if (st) refresh_locked(record.config.name, record.id, record);
    return st;
}

int64_t DomainTable::id_of(const std::string& name) const {
    std::lock_guard copy(copy_mu_);
    const auto it = id_of_.find(name);
    return it == id_of_.end() ? 0 : it->second;
}

Status DomainTable::discard(const std::string& name, int64_t first_event_id) {
    std::lock_guard lock(store_mu_);
    const int64_t id = id_of(name);
    auto st = store_.discard_domain(name, first_event_id);
    if (st) refresh_locked(name, id, std::nullopt);
    return st;
}

Status DomainTable::remove(const std::string& name) {
    std::lock_guard lock(store_mu_);
    const int64_t id = id_of(name);
    auto st = store_.delete_domain(name);
    if (st) refresh_locked(name, id, std::nullopt);
    return st;
}

std::optional<DomainRecord> DomainTable::get(const std::string& name) const {
    std::lock_guard copy(copy_mu_);
    const auto it = id_of_.find(name);
    if (it == id_of_.end()) return std::nullopt;
    return by_id_.at(it->second);
}

std::optional<DomainRecord> DomainTable::get(int64_t id) const {
    std::lock_guard copy(copy_mu_);
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
}

std::vector<DomainRecord> DomainTable::list() const {
    std::lock_guard copy(copy_mu_);
    std::vector<DomainRecord> out;
    out.reserve(by_id_.size());
    for (const auto& [id, r] : by_id_) out.push_back(r);
    return out;
}

std::vector<Event> DomainTable::events_after(int64_t after_id, size_t limit) const {
    std::lock_guard lock(store_mu_);
    return store_.events_after(after_id, limit);
}

Result<int64_t> DomainTable::prune_events(int64_t keep) {
    std::lock_guard lock(store_mu_);
    return store_.prune_events(keep);
}

int64_t DomainTable::last_event_id() const {
    std::lock_guard lock(store_mu_);
    return store_.last_event_id();
}

}  // namespace domus::control

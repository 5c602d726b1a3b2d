// FakeController: just enough lifecycle to exercise every route and error code.
#include "fake_controller.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace domus::api::test {

using control::ApiError;
using control::DomainState;
using control::DomainView;

namespace {

DomainView domain0() {
    DomainView v;
    v.is_domain0 = true;
    v.record.id = 0;
    v.record.config.name = "Domain-0";
    v.record.config.memory = 2048;
    v.record.config.vcpus = 2;
    v.record.state = DomainState::running;
    return v;
}

ApiError not_found(const std::string& name) {
    return ApiError{404, "not_found", "no domain named '" + name + "'", {}};
}

ApiError forbidden() {
    return ApiError{403, "forbidden", "Domain-0 cannot be changed", {}};
}

}  // namespace

control::DomainView* FakeController::find(const std::string& name) {
    auto it = domains_.find(name);
    return it == domains_.end() ? nullptr : &it->second;
}

std::shared_ptr<const control::DomainList> FakeController::list_domains() {
    ++list_calls;
    if (throw_on_list) throw std::runtime_error("store exploded");
    std::lock_guard lock(mutex_);
    auto out = std::make_shared<control::DomainList>();
    out->push_back(domain0());
    for (const auto& [name, v] : domains_) out->push_back(v);
    return out;
}

control::ApiResult<DomainView> FakeController::get_domain(const std::string& name) {
    if (name == "Domain-0") return domain0();
    std::lock_guard lock(mutex_);
    if (auto* v = find(name)) return *v;
    return not_found(name);
}

control::ApiResult<DomainView> FakeController::create_domain(const control::DomainConfig& config,
                                                             bool start) {
    std::lock_guard lock(mutex_);
    if (find(config.name)) {
        return ApiError{409, "conflict", "domain '" + config.name + "' already exists", "name"};
    }
    if (config.memory > 4096) {
        return ApiError{409, "insufficient_capacity", "not enough memory", "memory"};
    }
    DomainView v;
    v.record.id = next_id_++;
    v.record.config = config;
    v.record.created_at = v.record.updated_at = 1796000000000;
    if (start) {
        v.record.state = DomainState::running;
        v.record.pid = 4242;
        v.record.started_at = 1796000000001;
    }
    domains_[config.name] = v;
    add_event_locked(config.name, "created");
    return v;
}

control::ApiResult<DomainView> FakeController::patch_domain(
    const std::string& name, const control::DomainConfigPatch& patch) {
    if (name == "Domain-0") return forbidden();
    std::lock_guard lock(mutex_);
    auto* v = find(name);
    if (!v) return not_found(name);
    auto patched = control::apply_patch(v->record.config, patch);
    if (!patched.ok())
        return ApiError{400, "invalid_field", patched.error.message, patched.error.field};
    v->record.config = *patched.value;
    return *v;
}

control::ApiResult<control::Empty> FakeController::delete_domain(const std::string& name) {
    if (name == "Domain-0") return forbidden();
    std::lock_guard lock(mutex_);
    auto* v = find(name);
    if (!v) return not_found(name);
    if (v->record.state != DomainState::stopped) {
        return ApiError{
            409, "conflict", "domain '" + name + "' is " + control::to_string(v->record.state), {}};
    }
    domains_.erase(name);
    add_event_locked(name, "deleted");
    return control::Empty{};
}

control::ApiResult<DomainView> FakeController::act(const std::string& name, control::Action action,
                                                   const control::ActionOptions& options) {
    if (name == "Domain-0") return forbidden();
    std::lock_guard lock(mutex_);
    last_options = options;
    auto* v = find(name);
    if (!v) return not_found(name);
    auto& state = v->record.state;
    using control::Action;
    switch (action) {
        case Action::start:
            state = DomainState::running;
            break;
        case Action::pause:
            state = DomainState::paused;
            break;
        case Action::unpause:
            state = DomainState::running;
            break;
        case Action::shutdown:
            state = DomainState::shutting_down;
            break;
        case Action::reboot:
            break;
        case Action::destroy:
            state = DomainState::stopped;
            break;
    }
    if (name == "dead") return ApiError{503, "unavailable", "the monitor does not answer", {}};
    add_event_locked(name, "acted");
    return *v;
}

control::ApiResult<DomainView> FakeController::pin_vcpu(const std::string& name, int vcpu,
                                                        const std::string& cpus) {
    if (name == "Domain-0") return forbidden();
    std::lock_guard lock(mutex_);
    auto* v = find(name);
    if (!v) return not_found(name);
    last_pin_vcpu = vcpu;
    last_pin_cpus = cpus;
    return *v;
}

control::ApiResult<std::string> FakeController::console_tail(const std::string& name,
                                                             size_t lines) {
    std::lock_guard lock(mutex_);
    if (!find(name)) return not_found(name);
    last_tail = lines;
    return std::string("line 1\nline 2\n");
}

control::ApiResult<Fd> FakeController::console_attach(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (!find(name)) return not_found(name);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return ApiError{500, "internal", "socketpair failed", {}};
    }
    console_peer_.reset(fds[1]);
    return Fd(fds[0]);
}

control::ApiResult<Fd> FakeController::dump_core(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (!find(name)) return not_found(name);
    Fd file(::memfd_create("fake-core", MFD_CLOEXEC));
    if (!file.valid() ||
        ::write(file.get(), core_bytes.data(), core_bytes.size()) !=
            static_cast<ssize_t>(core_bytes.size()) ||
        ::lseek(file.get(), core_offset, SEEK_SET) != core_offset) {
        return ApiError{500, "internal", "memfd failed", {}};
    }
    return file;
}

Fd FakeController::take_console_peer() {
    std::lock_guard lock(mutex_);
    return std::move(console_peer_);
}

control::HostView FakeController::host() {
    control::HostView h;
    h.backend = "PVM";
    h.cpus = 2;
    h.memory_total_mib = 24000;
    h.memory_available_mib = 20000;
    h.memory_assigned_mib = 128;
    h.max_vcpus_per_domain = 64;
    h.domains_total = 3;
    h.domains_running = 2;
    h.version = "0.2.0";
    return h;
}

std::vector<control::Event> FakeController::events_after(int64_t after_id, size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<control::Event> out;
    for (const auto& e : events_) {
        if (e.id > after_id && out.size() < limit) out.push_back(e);
    }
    return out;
}

void FakeController::subscribe_events(std::function<void(const control::Event&)> callback) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(callback));
}

std::string FakeController::metrics() {
    return "domus_domains{state=\"running\"} 1\n";
}

void FakeController::add_event(const std::string& domain, const std::string& type) {
    std::lock_guard lock(mutex_);
    add_event_locked(domain, type);
}

void FakeController::add_event_locked(const std::string& domain, const std::string& type) {
    control::Event e;
    e.id = static_cast<int64_t>(events_.size()) + 1;
    e.time = 1796000000000 + e.id;
    e.domain = domain;
    e.type = type;
    events_.push_back(e);
    for (auto& s : subscribers_) s(e);
}

int64_t FakeController::last_event_id() {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(events_.size());
}

control::ApiResult<control::ImageView> FakeController::create_image(
    const control::ImageRequest& request) {
    std::lock_guard lock(mutex_);
    for (const auto& i : images) {
        if (i.name == request.name) {
            return ApiError{409, "conflict", "image '" + request.name + "' already exists", "name"};
        }
    }
    images.push_back(control::ImageView{request.name, "/images/" + request.name, request.size, {}});
    return images.back();
}

control::ApiResult<std::vector<control::ImageView>> FakeController::list_images() {
    std::lock_guard lock(mutex_);
    return images;
}

}  // namespace domus::api::test

// The one place that applies every state change of the control domain. API routes only
// translate HTTP into these calls. Thread-safe: calls on the same domain are serialised (per-
// domain lock), calls on different domains run concurrently; the store has its own lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/fd.hpp"
#include "control/domain_config.hpp"
#include "control/domain_state.hpp"
#include "control/image_request.hpp"

namespace domus::control {

// An error for the API client: HTTP status, a stable code, a message naming the bad value,
// and the offending field (JSON name) when there is one.
struct ApiError {
    int status = 400;
    std::string code;  // bad_request invalid_json unknown_field invalid_field not_found conflict
                       // payload_too_large unauthorized method_not_allowed unavailable internal
    std::string message;
    std::string field;
};

template <typename T>
class ApiResult {
  public:
    ApiResult(T v) : v_(std::move(v)) {}         // NOLINT
    ApiResult(ApiError e) : v_(std::move(e)) {}  // NOLINT
    bool ok() const { return v_.index() == 0; }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    const ApiError& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, ApiError> v_;
};

struct Empty {};

// A NIC as the API shows it beside its configuration: the host's side and its counters, from
// the guest's point of view (rx: received by the guest).
struct NicView {
    std::string tap;       // the TAP device's name on the host
    std::string bridge;    // the bridge it is attached to
    bool present = false;  // the TAP exists (the domain runs) and the counters are read
    uint64_t rx_bytes = 0, rx_packets = 0, tx_bytes = 0, tx_packets = 0;
};

// The network domusd manages.
struct NetworkView {
    std::string bridge, subnet, gateway;
    bool nat = false;
    bool bridge_up = false;  // made (on the first start of a domain with a NIC)
};

// A running domain's cgroup (get_domain only; lists leave it absent).
struct CgroupView {
    bool present = false;                    // the monitor's cgroup was found
    std::string path;                        // the cpu controller's directory
    uint64_t cpu_usage_ns = 0;               // CPU time of the monitor (all its threads)
    std::vector<std::string> vcpu_affinity;  // per vCPU thread: the CPUs it may run on
};

// A domain as the API shows it: the stored record plus live figures from its monitor.
struct DomainView {
    DomainRecord record;
    bool is_domain0 = false;
    uint64_t vcpu_time_ns = 0;  // total guest vCPU thread CPU time, 0 when not running
    uint64_t exits = 0;         // VM exits handled by the monitor
    uint64_t hypercalls = 0;
    uint64_t resident_kib = 0;  // guest RAM actually touched
    std::vector<NicView> nics;  // one per record.config.nics
    CgroupView cgroup;
};

using DomainList = std::vector<DomainView>;

// A disk image file in one of the image dirs.
struct ImageView {
    std::string name;  // the file name
    std::string path;  // the resolved path (what a disk's path may name)
    uint64_t size_bytes = 0;
    std::vector<std::string> used_by;  // domains with a disk on it, by name
};

struct HostView {
    std::string backend;  // "PVM" | "hardware KVM" | "none"
    uint32_t cpus = 0;
    uint64_t memory_total_mib = 0;
    uint64_t memory_available_mib = 0;
    uint64_t memory_assigned_mib = 0;  // sum over running/paused domains
    uint32_t max_vcpus_per_domain = 0;
    uint32_t domains_total = 0;
    uint32_t domains_running = 0;
    std::string version;
    NetworkView network;
    // Resource control: the cgroup version in use ("v1", "v2", "none"), its controllers, a
    // sentence ("v1 (cpu, ...)" or "none: why"), and the admission limits.
    std::string cgroup_mode;
    std::vector<std::string> cgroup_controllers;
    std::string cgroups;
    uint64_t memory_reserve_mib = 0;
    bool overcommit = false;
    uint32_t max_domains = 0;
};

enum class Action { start, pause, unpause, shutdown, reboot, destroy };
const char* to_string(Action a);
std::optional<Action> action_from_string(const std::string& s);

struct ActionOptions {
    std::chrono::milliseconds shutdown_timeout{30000};  // graceful shutdown, then destroy
};

class Controller {
  public:
    virtual ~Controller() = default;

    // Domain-0 first, then by id. An immutable snapshot: the same object until a domain changes
    // or new live figures arrive (callers may cache what they derive from it by its address).
    // list_domains, host and metrics never wait for SQLite or a monitor: their live figures are
    // sampled periodically (get_domain's are live).
    virtual std::shared_ptr<const DomainList> list_domains() = 0;
    virtual ApiResult<DomainView> get_domain(const std::string& name) = 0;
    // Defines a domain (state stopped); with start=true also starts it, and if the start fails
    // the definition is removed again: the request changes nothing.
    virtual ApiResult<DomainView> create_domain(const DomainConfig& config, bool start) = 0;
    virtual ApiResult<DomainView> patch_domain(const std::string& name,
                                               const DomainConfigPatch& patch) = 0;
    virtual ApiResult<Empty> delete_domain(const std::string& name) = 0;
    virtual ApiResult<DomainView> act(const std::string& name, Action action,
                                      const ActionOptions& options) = 0;
    // xl vcpu-pin: the thread of vCPU `vcpu` (-1: every vCPU) of a running or paused domain may
    // run only on `cpus` (xl's cpus syntax), which must lie within the domain's cpus. Not kept:
    // the next start, or a change of cpus, pins vCPUs to the domain's cpus again.
    virtual ApiResult<DomainView> pin_vcpu(const std::string& name, int vcpu,
                                           const std::string& cpus) = 0;

    virtual ApiResult<std::string> console_tail(const std::string& name, size_t lines) = 0;
    // A connected stream socket to the domain's console: bytes read are guest output, bytes
    // written reach the guest's console input.
    virtual ApiResult<Fd> console_attach(const std::string& name) = 0;
    // xl dump-core: an ELF core of the domain's memory and vCPU registers, written by its
    // monitor into an unnamed file the daemon made (O_TMPFILE), returned read from its start.
    // A running or paused domain is paused while it is written; a preserved one is dumped as
    // it was kept. 409 for a domain without a monitor.
    virtual ApiResult<Fd> dump_core(const std::string& name) = 0;

    virtual HostView host() = 0;
    virtual std::vector<Event> events_after(int64_t after_id, size_t limit) = 0;
    // Called (from any thread) after every new event is stored. The callback must not block.
    virtual void subscribe_events(std::function<void(const Event&)> callback) = 0;
    virtual std::string metrics() = 0;  // Prometheus text exposition format

    // Makes an ext2 image in the first image dir (from_dir, when given, must be inside the
    // image dirs): 409 conflict when the name is taken; nothing is left behind on failure.
    virtual ApiResult<ImageView> create_image(const ImageRequest& request) = 0;
    // Every regular file in the image dirs (dot files left out), with the domains using it.
    virtual ApiResult<std::vector<ImageView>> list_images() = 0;
};

}  // namespace domus::control

// An in-memory Controller for the API's unit tests only: domains in a map, events in a vector,
// console_attach hands out one end of a socketpair and keeps the other for the test.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "control/controller.hpp"

namespace domus::api::test {

class FakeController : public control::Controller {
  public:
    std::shared_ptr<const control::DomainList> list_domains() override;
    control::ApiResult<control::DomainView> get_domain(const std::string& name) override;
    control::ApiResult<control::DomainView> create_domain(const control::DomainConfig& config,
                                                          bool start) override;
    control::ApiResult<control::DomainView> patch_domain(
        const std::string& name, const control::DomainConfigPatch& patch) override;
    control::ApiResult<control::Empty> delete_domain(const std::string& name) override;
    control::ApiResult<control::DomainView> act(const std::string& name, control::Action action,
                                                const control::ActionOptions& options) override;
    control::ApiResult<control::DomainView> pin_vcpu(const std::string& name, int vcpu,
                                                     const std::string& cpus) override;
    control::ApiResult<std::string> console_tail(const std::string& name, size_t lines) override;
    control::ApiResult<Fd> console_attach(const std::string& name) override;
    // A file holding core_bytes, its offset left at core_offset (the server sends it whole).
    control::ApiResult<Fd> dump_core(const std::string& name) override;
    control::HostView host() override;
    std::vector<control::Event> events_after(int64_t after_id, size_t limit) override;
    void subscribe_events(std::function<void(const control::Event&)> callback) override;
    std::string metrics() override;
    control::ApiResult<control::ImageView> create_image(
        const control::ImageRequest& request) override;
    control::ApiResult<std::vector<control::ImageView>> list_images() override;

    // Test controls.
    void add_event(const std::string& domain, const std::string& type);
    int64_t last_event_id();
    Fd take_console_peer();  // the test's end of the last console_attach
    std::atomic<bool> throw_on_list{false};
    std::atomic<int> list_calls{0};
    control::ActionOptions last_options;
    int last_pin_vcpu = -2;
    std::string last_pin_cpus;
    size_t last_tail = 0;
    std::string core_bytes =
        "\x7f"
        "ELF core";
    off_t core_offset = 0;
    std::vector<control::ImageView> images;  // what list_images returns, create_image adds to

  private:
    control::DomainView* find(const std::string& name);
    void add_event_locked(const std::string& domain, const std::string& type);

    std::mutex mutex_;
    std::map<std::string, control::DomainView> domains_;
    int64_t next_id_ = 1;
    std::vector<control::Event> events_;
    std::vector<std::function<void(const control::Event&)>> subscribers_;
    Fd console_peer_;
};

}  // namespace domus::api::test

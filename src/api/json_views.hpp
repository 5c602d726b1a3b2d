// The JSON shapes of docs/api.md: Domain, Host, Event, the events page and the error object.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "control/controller.hpp"

namespace domus::api {

// A domain's disks as the API shows them: the configured fields and the guest's name (vda..).
boost::json::array disks_json(const std::vector<control::DiskConfig>& disks);
// The "nics" array of a domain object: configuration, TAP name, bridge and counters.
boost::json::array nics_json(const control::DomainView& view);
// The "exec" field: the program packed into the domain's initramfs, or null.
boost::json::value exec_json(const control::ExecConfig& exec);
boost::json::object domain_json(const control::DomainView& view);
boost::json::object host_json(const control::HostView& host);
// {"name", "path", "size", "used_by": [domain names]}
boost::json::object image_json(const control::ImageView& image);
boost::json::object event_json(const control::Event& event);
// {"events": [...], "last_id": N}; last_id is the last event's id, or `after` when none.
boost::json::object events_json(const std::vector<control::Event>& events, int64_t after);
// {"error": {"code": ..., "message": ..., "field": ...}} ("field" only when there is one).
boost::json::object error_json(const control::ApiError& error);
// `s` if it is valid UTF-8, else a copy with every byte outside a valid sequence shown as
// \xNN: JSON must be UTF-8, and messages, event details and exit details can echo anything.
std::string utf8_safe(std::string_view s);
// One server-sent event: "id: 7\nevent: started\ndata: {...}\n\n".
std::string sse_record(const control::Event& event);

}  // namespace domus::api

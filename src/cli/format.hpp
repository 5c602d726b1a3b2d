// What `domus` prints on standard output: pure functions from the API's JSON to text, so the
// output is stable for scripts and tested without a daemon. Missing or mistyped fields in a
// response never fail: they print as "-" (or 0), so an older or newer daemon still lists.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/fwd.hpp>

namespace domus::cli {

// The `xl list` header: "Name" then ID, Mem (MiB), VCPUs, State and Time(s), without newline.
extern const char* const kListHeader;

// One `xl list` row: the name left-aligned in 40 columns, ID, Mem and VCPUs right-aligned in 5,
// then our state word (running, paused, shutting-down, stopped, crashed) and the vCPU time in
// seconds with one decimal, right-aligned so that it ends under "Time(s)". ID "-" when null.
std::string format_list_row(const boost::json::object& domain);

// Header plus one row per domain, each line ending in '\n'.
std::string format_list(const boost::json::array& domains);
// `list -l`: the same columns, then each domain's Weight, Cap and CPUs ("-" for Domain-0,
// "all" when cpus is null).
std::string format_list_long(const boost::json::array& domains);

// Unix milliseconds as ISO 8601 UTC with milliseconds: 2026-11-16T10:13:20.000Z.
std::string format_iso8601(int64_t unix_ms);

// `<time ISO8601> <domain> <type> <detail>` (no trailing space when detail is empty; domain
// "-" when empty), without newline.
std::string format_event(const boost::json::object& event);

// `domus info`'s daemon section (GET /v1/host), one `label : value` line each, '\n'-terminated.
std::string format_host(const boost::json::object& host, const std::string& socket_path);

// A domain's configuration as xl.cfg text that `domus create` reads back.
std::string format_config_xl(const boost::json::object& domain);

// The `disk = [ ... ]` line of format_config_xl ("" without disks): each disk in xl's key=value
// form (vdev: the configured one, else the guest's name), then a comment per disk with rate
// limits, which xl.cfg has no parameter for.
std::string format_disks_xl(const boost::json::object& domain);

// disk-create: "NAME: SIZE bytes at PATH\n".
std::string format_image_created(const boost::json::object& image);
// disk-list: a header, then one "NAME SIZE USED-BY" row per image ("-" when unused).
std::string format_images(const boost::json::object& images);

// The exec, exec_args, exec_busybox and exec_overlay lines of a domain object's exec ("" when it
// has none); strings with C escapes, so that any argument reads back as itself.
std::string format_exec_xl(const boost::json::object& domain);
// The vif = [ ... ] line of a domain object's NICs ("" when it has none).
std::string format_vifs_xl(const boost::json::object& domain);
// `domus network-list`: one line per NIC of a domain object.
std::string format_nics(const boost::json::object& domain);

// The configuration fields of a domain object, as a JSON object (for `config --json`).
// sched-credit's table (like xl sched-credit): Name ID Weight Cap, one row per domain with the
// fields (Domain-0, which has none, is left out).
std::string format_sched(const boost::json::array& domains);

std::string format_config_json(const boost::json::object& domain);

}  // namespace domus::cli

#include "cli/verbs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include <boost/json.hpp>

#include "cli/console.hpp"
#include "cli/errors.hpp"
#include "cli/format.hpp"
#include "control/domain_config.hpp"

namespace domus::cli {

namespace json = boost::json;

void print_raw(const std::string& body) {
    if (body.empty()) return;
    std::fwrite(body.data(), 1, body.size(), stdout);
    if (body.back() != '\n') std::fputc('\n', stdout);
}

namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

// The whole file, or standard input for "-".
Result<std::string> read_config_text(const std::string& file) {
    FILE* f = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
    if (f == nullptr) return cli_error("cannot read " + file + ": " + std::strerror(errno));
    std::string text;
    char buf[8192];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= kMaxConfigBytes) {
        text.append(buf, n);
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    if (f != stdin) std::fclose(f);
    const std::string label = file == "-" ? "standard input" : file;
    if (failed) return cli_error("cannot read " + label + ": " + std::strerror(err));
    if (text.size() > kMaxConfigBytes) return cli_error(label + " is larger than 1 MiB");
    return text;
}

int create(ApiClient& api, const Command& cmd) {
    auto text = read_config_text(cmd.file);
    if (!text) return report(text.error());
    auto parsed = control::parse_config_any(*text);
    if (!parsed.ok()) {
        // `web1.cfg: line 3: "disk" is not supported by Domus yet` (the parser names the line).
        const std::string where = cmd.file == "-" ? "<stdin>" : cmd.file;
        std::string message = parsed.error.message;
        const std::string line = "line " + std::to_string(parsed.error.line);
        if (parsed.error.line > 0 && message.find(line) == std::string::npos) {
            message = line + ": " + message;
        }
        return report(cli_error(where + ": " + message));
    }
    const std::string target = cmd.no_start ? "/v1/domains" : "/v1/domains?start=true";
    auto body = api.call(Method::post, target, control::config_to_json(*parsed.value));
    if (!body) return report(body.error());
    if (cmd.json) print_raw(*body);
    if (cmd.attach) {
        std::fflush(stdout);
        return attach_console(api.endpoint(), parsed.value->name);
    }
    return 0;
}

// A 2xx body that must be a JSON object.
Result<json::object> parse_object(const std::string& body, const char* what) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return cli_error(std::string("domusd sent a malformed ") + what);
    return std::move(v.as_object());
}

// The domain NAME (or every domain) as rows for a table: `list` and `sched-credit`. Returns
// the exit code when the verb is already done (an error reported, or --json printed).
std::optional<int> domain_rows(ApiClient& api, const Command& cmd, json::array& rows) {
    const bool one = !cmd.name.empty();
    auto body = api.call(Method::get, one ? domain_path(cmd.name) : "/v1/domains");
    if (!body) return report(body.error());
    if (cmd.json) {
        print_raw(*body);
        return 0;
    }
    auto obj = parse_object(*body, one ? "domain" : "domain list");
    if (!obj) return report(obj.error());
    if (one) {
        rows.push_back(std::move(*obj));
    } else if (const auto* domains = obj->if_contains("domains"); domains && domains->is_array()) {
        rows = domains->as_array();
    } else {
        return report(cli_error("domusd sent a domain list without \"domains\""));
    }
    return std::nullopt;
}

int list(ApiClient& api, const Command& cmd) {
    json::array rows;
    if (auto done = domain_rows(api, cmd, rows)) return *done;
    const std::string out = cmd.long_list ? format_list_long(rows) : format_list(rows);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

std::string state_of(const json::object& d) {
    const auto* s = d.if_contains("state");
    return (s != nullptr && s->is_string()) ? std::string(s->as_string()) : "";
}

// Polls the domain until it is no longer shutting down; the daemon destroys it after its
// timeout, so the wait is bounded by that plus a margin.
Result<json::object> wait_until_down(ApiClient& api, const std::string& name, uint32_t timeout_s) {
    using Clock = std::chrono::steady_clock;
    const auto limit = std::chrono::seconds(timeout_s + 10);
    const auto deadline = Clock::now() + limit;
    for (;;) {
        auto body = api.call(Method::get, domain_path(name));
        if (!body) return std::move(body).error();
        auto d = parse_object(*body, "domain");
        if (!d) return d;
        if (state_of(*d) != "shutting-down") return d;
        if (Clock::now() >= deadline) {
            return cli_error(name + " is still shutting down after " +
                             std::to_string(limit.count()) + " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

int shutdown(ApiClient& api, const Command& cmd) {
    std::string target = domain_path(cmd.name, "/shutdown");
    if (cmd.timeout_s) target += "?timeout=" + std::to_string(*cmd.timeout_s);
    auto body = api.call(Method::post, target);
    if (!body) return report(body.error());
    if (!cmd.wait) {
        if (cmd.json) print_raw(*body);
        return 0;
    }
    auto d = wait_until_down(api, cmd.name, cmd.timeout_s.value_or(30));
    if (!d) return report(d.error());
    if (cmd.json) print_raw(json::serialize(*d));
    if (state_of(*d) == "crashed") {
        std::string why;
        if (const auto* e = d->if_contains("last_exit"); e && e->is_object()) {
            if (const auto* detail = e->as_object().if_contains("detail");
                detail && detail->is_string() && !detail->as_string().empty()) {
                why = ": " + std::string(detail->as_string());
            }
        }
        return report(cli_error(cmd.name + " crashed while shutting down" + why));
    }
    return 0;
}

int config(ApiClient& api, const Command& cmd) {
    auto body = api.call(Method::get, domain_path(cmd.name));
    if (!body) return report(body.error());
    auto d = parse_object(*body, "domain");
    if (!d) return report(d.error());
    const std::string out = cmd.json ? format_config_json(*d) + "\n" : format_config_xl(*d);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

// GET /v1/domains/NAME; prints its NICs as a table (xl network-list).
int network_list(ApiClient& api, const Command& cmd) {
    auto body = api.call(Method::get, domain_path(cmd.name));
    if (!body) return report(body.error());
    auto d = parse_object(*body, "domain");
    if (!d) return report(d.error());
    if (cmd.json) {
        const auto* nics = d->if_contains("nics");
        print_raw(json::serialize(
            json::object{{"nics", nics != nullptr ? *nics : json::value(json::array())}}));
        return 0;
    }
    const std::string out = format_nics(*d);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

// start, pause, unpause, reboot, destroy, delete: one request, silent on success.
int action(ApiClient& api, const Command& cmd, Method method, const char* suffix) {
    auto body = api.call(method, domain_path(cmd.name, suffix));
    if (!body) return report(body.error());
    if (cmd.json) print_raw(*body);
    return 0;
}

// GET /v1/domains/NAME/core into FILE: written to a temporary file beside it (mode 0600: guest
// memory may hold secrets) and renamed over FILE once the core is complete, so a failure
// leaves FILE as it was.
int dump_core(ApiClient& api, const Command& cmd) {
    std::string tmp = cmd.file + ".XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) {
        return report(
            cli_error("cannot create a file beside " + cmd.file + ": " + std::strerror(errno)));
    }
    auto res = api.download(domain_path(cmd.name, "/core"), fd);
    const bool closed = ::close(fd) == 0;
    const auto fail = [&tmp](const Error& e) {
        ::unlink(tmp.c_str());
        return report(e);
    };
    if (!res) return fail(res.error());
    if (res->status < 200 || res->status >= 300) {
        return fail(api_error(res->status, res->reason, res->body));
    }
    if (!closed) return fail(cli_error("cannot write " + tmp + ": " + std::strerror(errno)));
    struct stat st {};
    if (::stat(tmp.c_str(), &st) != 0 || st.st_size == 0) {
        return fail(cli_error("domusd sent an empty core for domain '" + cmd.name + "'"));
    }
    if (::rename(tmp.c_str(), cmd.file.c_str()) != 0) {
        return fail(
            cli_error("cannot rename " + tmp + " to " + cmd.file + ": " + std::strerror(errno)));
    }
    if (cmd.json) {
        print_raw(json::serialize(json::object{
            {"name", cmd.name}, {"file", cmd.file}, {"bytes", static_cast<uint64_t>(st.st_size)}}));
    } else {
        std::printf("%s: core of %lld bytes written to %s\n", cmd.name.c_str(),
                    static_cast<long long>(st.st_size), cmd.file.c_str());
    }
    return 0;
}

// POST /v1/images; prints "NAME: SIZE bytes at PATH".
int disk_create(ApiClient& api, const Command& cmd) {
    json::object body{{"name", cmd.name}, {"size", cmd.image_size}};
    if (!cmd.from_dir.empty()) body["from_dir"] = cmd.from_dir;
    auto image = api.call_json(Method::post, "/v1/images", json::serialize(body));
    if (!image) return report(image.error());
    if (cmd.json) {
        print_raw(json::serialize(*image));
        return 0;
    }
    std::fputs(format_image_created(image->as_object()).c_str(), stdout);
    return 0;
}

int disk_list(ApiClient& api, const Command& cmd) {
    auto list = api.call_json(Method::get, "/v1/images");
    if (!list) return report(list.error());
    if (cmd.json) {
        print_raw(json::serialize(*list));
        return 0;
    }
    std::fputs(format_images(list->as_object()).c_str(), stdout);
    return 0;
}

// sched-credit: without -w/-c a table of Name ID Weight Cap (every domain, or NAME); with
// them a PATCH of NAME's cpu_weight/cap.
int sched_credit(ApiClient& api, const Command& cmd) {
    if (cmd.weight || cmd.cap) {
        if (cmd.name.empty()) return report(cli_error("sched-credit -w/-c needs a domain name"));
        json::object patch;
        if (cmd.weight) patch["cpu_weight"] = *cmd.weight;
        if (cmd.cap) patch["cap"] = *cmd.cap;
        auto body = api.call(Method::patch, domain_path(cmd.name), json::serialize(patch));
        if (!body) return report(body.error());
        if (cmd.json) print_raw(*body);
        return 0;
    }
    json::array rows;
    if (auto done = domain_rows(api, cmd, rows)) return *done;
    std::fputs(format_sched(rows).c_str(), stdout);
    return 0;
}

// vcpu-pin NAME VCPU CPUS: POST /v1/domains/NAME/vcpu-pin.
int vcpu_pin(ApiClient& api, const Command& cmd) {
    json::object body{{"cpus", cmd.cpus}};
    if (cmd.vcpu == "all") {
        body["vcpu"] = "all";
    } else {
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(cmd.vcpu.c_str(), &end, 10);
        if (cmd.vcpu.empty() || *end != '\0' || errno != 0 || v < 0 || v > 63) {
            return report(cli_error("vcpu '" + cmd.vcpu + "' is not a vCPU number (0..63) or all"));
        }
        body["vcpu"] = v;
    }
    auto reply = api.call(Method::post, domain_path(cmd.name, "/vcpu-pin"), json::serialize(body));
    if (!reply) return report(reply.error());
    if (cmd.json) print_raw(*reply);
    return 0;
}

}  // namespace

int run_domain_verb(ApiClient& api, const Command& cmd) {
    switch (cmd.verb) {
        case Verb::create:
            return create(api, cmd);
        case Verb::list:
            return list(api, cmd);
        case Verb::start:
            return action(api, cmd, Method::post, "/start");
        case Verb::pause:
            return action(api, cmd, Method::post, "/pause");
        case Verb::unpause:
            return action(api, cmd, Method::post, "/unpause");
        case Verb::shutdown:
            return shutdown(api, cmd);
        case Verb::reboot:
            return action(api, cmd, Method::post, "/reboot");
        case Verb::destroy:
            return action(api, cmd, Method::post, "/destroy");
        case Verb::remove:
            return action(api, cmd, Method::del, "");
        case Verb::config:
            return config(api, cmd);
        case Verb::network_list:
            return network_list(api, cmd);
        case Verb::disk_create:
            return disk_create(api, cmd);
        case Verb::disk_list:
            return disk_list(api, cmd);
        case Verb::sched_credit:
            return sched_credit(api, cmd);
        case Verb::vcpu_pin:
            return vcpu_pin(api, cmd);
        case Verb::dump_core:
            return dump_core(api, cmd);
        default:
            break;
    }
    return report(cli_error("this verb does not talk to domusd"));
}

}  // namespace domus::cli

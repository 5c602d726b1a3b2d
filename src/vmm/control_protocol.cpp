#include "vmm/control_protocol.hpp"

#include <boost/json.hpp>
#include <exception>
#include <optional>

namespace domus::vmm {

namespace json = boost::json;

namespace {

constexpr const char* kOps = "status|pause|unpause|shutdown|reboot|destroy|console|dump-core";

Error bad(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}
Error malformed(std::string message) {
    return make_error(Errc::io, std::move(message));
}

std::string_view strip_line(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// Parses `text` as one JSON object; `what` names the document in errors.
Result<json::object> parse_object(std::string_view text, const char* what, Errc code) {
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec)
        return make_error(code, std::string(what) + " is not valid JSON (" + ec.message() + ")");
    if (!v.is_object()) return make_error(code, std::string(what) + " is not a JSON object");
    return std::move(v.as_object());
}

std::optional<uint64_t> as_u64(const json::value* v) {
    if (v == nullptr) return std::nullopt;
    if (const auto* u = v->if_uint64()) return *u;
    if (const auto* i = v->if_int64(); i != nullptr && *i >= 0) return static_cast<uint64_t>(*i);
    return std::nullopt;
}

std::string line_of(const json::object& o) {
    return json::serialize(o) + "\n";
}

// {"ok":...} common to every response: returns ok, or the monitor's error.
Status check_ok(const json::object& o, const char* what) {
    const json::value* ok = o.if_contains("ok");
    if (ok == nullptr || !ok->is_bool()) {
        return malformed(std::string(what) + " has no boolean \"ok\"");
    }
    if (ok->as_bool()) return {};
    const json::value* err = o.if_contains("error");
    if (err == nullptr || !err->is_string()) {
        return malformed(std::string(what) + " says ok:false without an \"error\" string");
    }
    return bad(std::string(err->as_string()));
}

}  // namespace

const char* to_string(ControlOp op) {
    switch (op) {
        case ControlOp::status:
            return "status";
        case ControlOp::pause:
            return "pause";
        case ControlOp::unpause:
            return "unpause";
        case ControlOp::shutdown:
            return "shutdown";
        case ControlOp::reboot:
            return "reboot";
        case ControlOp::destroy:
            return "destroy";
        case ControlOp::console:
            return "console";
        case ControlOp::dump_core:
            return "dump-core";
    }
    return "?";
}

Result<ControlRequest> parse_control_request(std::string_view line) try {
    line = strip_line(line);
    if (line.size() > kMaxControlLine) {
        return bad("request of " + std::to_string(line.size()) + " bytes is too long (at most " +
                   std::to_string(kMaxControlLine) + ")");
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) return bad("empty request");
    auto obj = parse_object(line, "the request", Errc::invalid_argument);
    if (!obj) return obj.error();
    for (const auto& member : *obj) {
        if (member.key() != "op") {
            return bad("unknown field \"" + std::string(member.key()) + "\" (only \"op\")");
        }
    }
    const json::value* op = obj->if_contains("op");
    if (op == nullptr) return bad(std::string("missing \"op\" (") + kOps + ")");
    if (!op->is_string()) return bad(std::string("\"op\" must be a string (") + kOps + ")");
    const std::string_view name(op->as_string().data(), op->as_string().size());
    for (ControlOp candidate :
         {ControlOp::status, ControlOp::pause, ControlOp::unpause, ControlOp::shutdown,
          ControlOp::reboot, ControlOp::destroy, ControlOp::console, ControlOp::dump_core}) {
        if (name == to_string(candidate)) return ControlRequest{candidate};
    }
    return bad("unknown op " + json::serialize(json::string(name)) + " (" + kOps + ")");
} catch (const std::exception& e) {
    return bad(std::string("cannot parse the request: ") + e.what());
}

std::string format_ok() {
    return line_of(json::object{{"ok", true}});
}

std::string format_error(std::string_view message) {
    return line_of(json::object{{"ok", false}, {"error", json::string(message)}});
}

std::string format_status(const VmmStatus& s) {
    json::object o{{"ok", true},
                   {"state", s.state},
                   {"pid", s.pid},
                   {"vcpus", s.vcpus},
                   {"memory_mib", s.memory_mib},
                   {"exits", s.exits},
                   {"hypercalls", s.hypercalls},
                   {"vcpu_time_ns", s.vcpu_time_ns},
                   {"uptime_ns", s.uptime_ns},
                   {"resident_kib", s.resident_kib}};
    o["preserved"] = s.preserved;
    if (s.preserved) {
        o["exit"] = json::object{
            {"reason", s.exit_reason}, {"code", s.exit_code}, {"detail", s.exit_detail}};
    }
    return line_of(o);
}

std::string format_dump_core_ok(uint64_t bytes) {
    return line_of(json::object{{"ok", true}, {"bytes", bytes}});
}

std::string format_request(ControlOp op) {
    return line_of(json::object{{"op", to_string(op)}});
}

Status parse_ok_response(std::string_view line) try {
    auto obj = parse_object(strip_line(line), "the monitor's response", Errc::io);
    if (!obj) return obj.error();
    return check_ok(*obj, "the monitor's response");
} catch (const std::exception& e) {
    return malformed(std::string("cannot parse the monitor's response: ") + e.what());
}

Result<VmmStatus> parse_status_response(std::string_view line) try {
    const char* what = "the monitor's status";
    auto obj = parse_object(strip_line(line), what, Errc::io);
    if (!obj) return obj.error();
    if (auto st = check_ok(*obj, what); !st) return st.error();
    VmmStatus s;
    const json::value* state = obj->if_contains("state");
    if (state == nullptr || !state->is_string()) return malformed("status has no \"state\" string");
    s.state = std::string(state->as_string());
    struct Field {
        const char* name;
        uint64_t* out;
    };
    uint64_t pid = 0, vcpus = 0;
    for (const Field& f :
         {Field{"pid", &pid}, Field{"vcpus", &vcpus}, Field{"memory_mib", &s.memory_mib},
          Field{"exits", &s.exits}, Field{"hypercalls", &s.hypercalls},
          Field{"vcpu_time_ns", &s.vcpu_time_ns}, Field{"uptime_ns", &s.uptime_ns},
          Field{"resident_kib", &s.resident_kib}}) {
        auto v = as_u64(obj->if_contains(f.name));
        if (!v) {
            return malformed(std::string("status field \"") + f.name +
                             "\" is missing or not a non-negative integer");
        }
        *f.out = *v;
    }
    if (pid > static_cast<uint64_t>(INT64_MAX) || vcpus > UINT32_MAX) {
        return malformed("status pid or vcpus out of range");
    }
    s.pid = static_cast<int64_t>(pid);
    s.vcpus = static_cast<uint32_t>(vcpus);
    // "preserved" is absent in a status from a monitor older than it: not preserved.
    if (const json::value* p = obj->if_contains("preserved"); p != nullptr) {
        if (!p->is_bool()) return malformed("status field \"preserved\" is not a boolean");
        s.preserved = p->as_bool();
    }
    if (s.preserved) {
        const json::value* ex = obj->if_contains("exit");
        if (ex == nullptr || !ex->is_object()) {
            return malformed("a preserved status has no \"exit\" object");
        }
        const json::object& e = ex->as_object();
        const json::value* reason = e.if_contains("reason");
        const json::value* code = e.if_contains("code");
        const json::value* detail = e.if_contains("detail");
        if (reason == nullptr || !reason->is_string() || reason->as_string().empty() ||
            code == nullptr || !code->is_int64() || detail == nullptr || !detail->is_string()) {
            return malformed(
                "status \"exit\" needs a non-empty \"reason\", an integer \"code\" and a "
                "\"detail\" string");
        }
        s.exit_reason = std::string(reason->as_string());
        s.exit_code = code->as_int64();
        s.exit_detail = std::string(detail->as_string());
        if (s.state != "crashed" && s.state != "stopped") {
            return malformed("a preserved status must be crashed or stopped, not \"" + s.state +
                             "\"");
        }
    }
    return s;
} catch (const std::exception& e) {
    return malformed(std::string("cannot parse the monitor's status: ") + e.what());
}

Result<uint64_t> parse_dump_core_response(std::string_view line) try {
    const char* what = "the monitor's dump-core answer";
    auto obj = parse_object(strip_line(line), what, Errc::io);
    if (!obj) return obj.error();
    if (auto st = check_ok(*obj, what); !st) return st.error();
    auto bytes = as_u64(obj->if_contains("bytes"));
    if (!bytes) return malformed("the monitor's dump-core answer has no \"bytes\" count");
    return *bytes;
} catch (const std::exception& e) {
    return malformed(std::string("cannot parse the monitor's dump-core answer: ") + e.what());
}

std::string format_handshake_ok(int64_t pid) {
    return line_of(json::object{{"ok", true}, {"pid", pid}});
}

std::string format_handshake_error(std::string_view message) {
    return format_error(message);
}

Result<int64_t> parse_handshake(std::string_view line) try {
    const char* what = "the monitor's handshake";
    auto obj = parse_object(strip_line(line), what, Errc::io);
    if (!obj) return obj.error();
    if (auto st = check_ok(*obj, what); !st) return st.error();
    auto pid = as_u64(obj->if_contains("pid"));
    if (!pid || *pid == 0 || *pid > static_cast<uint64_t>(INT64_MAX)) {
        return malformed("the monitor's handshake has no valid \"pid\"");
    }
    return static_cast<int64_t>(*pid);
} catch (const std::exception& e) {
    return malformed(std::string("cannot parse the monitor's handshake: ") + e.what());
}

}  // namespace domus::vmm

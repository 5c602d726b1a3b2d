#include "vmm/exit_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <exception>

#include "base/fd.hpp"

namespace domus::vmm {

namespace json = boost::json;

namespace {

constexpr const char* kReasons[] = {"poweroff",     "exit",       "reboot",    "crash",
                                    "triple_fault", "vcpu_error", "destroyed", "seccomp"};

Error bad(const std::string& message) {
    return make_error(Errc::invalid_argument, "exit file: " + message);
}

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

bool is_exit_reason(std::string_view reason) {
    for (const char* r : kReasons) {
        if (reason == r) return true;
    }
    return false;
}

std::string format_exit_info(const ExitInfo& info) {
    return json::serialize(json::object{
               {"reason", info.reason}, {"code", info.code}, {"detail", info.detail}}) +
           "\n";
}

Result<ExitInfo> parse_exit_info(std::string_view text) try {
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec) return bad("not valid JSON (" + ec.message() + ")");
    const json::object* o = v.if_object();
    if (o == nullptr) return bad("not a JSON object");
    ExitInfo info;
    const json::value* reason = o->if_contains("reason");
    if (reason == nullptr || !reason->is_string()) return bad("no \"reason\" string");
    info.reason = std::string(reason->as_string());
    if (!is_exit_reason(info.reason)) {
        return bad("unknown reason " + json::serialize(reason->as_string()));
    }
    const json::value* code = o->if_contains("code");
    if (code == nullptr) return bad("no \"code\"");
    if (const auto* i = code->if_int64()) {
        info.code = *i;
    } else if (const auto* u = code->if_uint64(); u != nullptr && *u <= INT64_MAX) {
        info.code = static_cast<int64_t>(*u);
    } else {
        return bad("\"code\" is not a 64-bit integer");
    }
    if (const json::value* detail = o->if_contains("detail")) {
        if (!detail->is_string()) return bad("\"detail\" is not a string");
        info.detail = std::string(detail->as_string());
    }
    return info;
} catch (const std::exception& e) {
    return bad(std::string("cannot parse: ") + e.what());
}

Status write_exit_file(const std::string& path, const ExitInfo& info) {
    const std::string tmp = path + ".tmp";
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return make_error(Errc::io, "cannot create " + tmp + ": " + errno_text());
    return write_exit_file(fd.get(), path, info);
}

Status write_exit_file(int tmp_fd, const std::string& path, const ExitInfo& info) {
    const std::string tmp = path + ".tmp";
    const std::string text = format_exit_info(info);
    size_t off = 0;
    while (off < text.size()) {
        const ssize_t n =
            ::pwrite(tmp_fd, text.data() + off, text.size() - off, static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = errno_text();
            ::unlink(tmp.c_str());
            return make_error(Errc::io, "cannot write " + tmp + ": " + why);
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(tmp_fd) != 0) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        return make_error(Errc::io, "cannot write " + tmp + ": " + why);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        return make_error(Errc::io, "cannot rename " + tmp + " to " + path + ": " + why);
    }
    return {};
}

Result<ExitInfo> read_exit_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        const Errc code = errno == ENOENT ? Errc::not_found : Errc::io;
        return make_error(code, "cannot open exit file " + path + ": " + errno_text());
    }
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return make_error(Errc::io, "cannot read exit file " + path + ": " + errno_text());
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxExitFileBytes) {
            return make_error(Errc::invalid_argument, "exit file " + path + " is larger than " +
                                                          std::to_string(kMaxExitFileBytes) +
                                                          " bytes");
        }
    }
    auto info = parse_exit_info(text);
    if (!info) return make_error(info.error().code, path + ": " + info.error().message);
    return info;
}

}  // namespace domus::vmm

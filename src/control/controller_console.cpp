// Console access (log tail, live attach).
#include <fcntl.h>
#include <unistd.h>

#include "control/controller_internal.hpp"
#include "vmm/vmm_client.hpp"

namespace domus::control {

namespace {

// The last `lines` lines of `text` (a trailing newline ends the last line, not a new one).
std::string last_lines(const std::string& text, size_t lines) {
    size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    size_t found = 0;
    while (pos > 0) {
        if (text[pos - 1] == '\n' && ++found == lines) break;
        --pos;
    }
    return text.substr(pos);
}

// At most `max_bytes` from the end of the file ("" when it is missing or empty).
std::string read_end(const std::string& path, size_t max_bytes) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
    if (!fd.valid()) return {};
    const off_t size = ::lseek(fd.get(), 0, SEEK_END);
    if (size <= 0) return {};
    const off_t start =
        size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
    std::string buf(static_cast<size_t>(size - start), '\0');
    ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), start);
    if (n <= 0) return {};
    buf.resize(static_cast<size_t>(n));
    return buf;
}

// The last `lines` lines of a console log, continued from its rotated part (`path`.1) when the
// current file holds fewer.
std::string tail_log(const std::string& path, size_t lines, size_t max_bytes) {
    std::string text = read_end(path, max_bytes);
    std::string tail = last_lines(text, lines);
    if (tail.size() < text.size() || text.size() >= max_bytes) return tail;  // enough lines
    return last_lines(read_end(path + ".1", max_bytes - text.size()) + text, lines);
}

}  // namespace

ApiResult<std::string> ControllerImpl::console_tail(const std::string& name, size_t lines) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 has no console here");
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    return tail_log(run_path(rec->id, ".console.log"), lines, 4u << 20);
}

ApiResult<Fd> ControllerImpl::console_attach(const std::string& name) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 has no console here");
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (rec->state != DomainState::running && rec->state != DomainState::paused &&
        rec->state != DomainState::shutting_down) {
        return api_error(409, "conflict",
                         "domain '" + name + "' is " + to_string(rec->state) +
                             ": its console is not live (GET .../console?tail=N shows the log)");
    }
    auto fd = vmm::open_console(run_path(rec->id, ".ctl"), 3000);
    if (!fd) return api_error(503, "unavailable", fd.error().message);
    return std::move(fd.value());
}

}  // namespace domus::control

#include "telemetry/process_figures.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace domus::telemetry {

namespace {

std::string read_small(const char* path) {
    Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return {};
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && out.size() < (1u << 16)) {
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

bool to_u64(std::string_view s, uint64_t& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

std::optional<StatFields> parse_proc_stat(std::string_view text) {
    const size_t close = text.rfind(')');
    if (close == std::string_view::npos || text.find('(') == std::string_view::npos ||
        text.find('(') > close) {
        return std::nullopt;
    }
    // After ") ": field 3 (state) onwards, separated by single spaces.
    std::vector<std::string_view> f;
    size_t pos = close + 1;
    while (pos < text.size()) {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) ++pos;
        if (pos >= text.size()) break;
        const size_t end = text.find_first_of(" \n", pos);
        f.push_back(
            text.substr(pos, end == std::string_view::npos ? text.size() - pos : end - pos));
        if (end == std::string_view::npos) break;
        pos = end;
    }
    // f[0] is field 3; field N is f[N - 3]. utime 14, stime 15, num_threads 20, starttime 22,
    // vsize 23, rss 24.
    if (f.size() < 22) return std::nullopt;
    StatFields s;
    if (!to_u64(f[11], s.utime_ticks) || !to_u64(f[12], s.stime_ticks) ||
        !to_u64(f[17], s.num_threads) || !to_u64(f[19], s.starttime_ticks) ||
        !to_u64(f[20], s.vsize_bytes) || !to_u64(f[21], s.rss_pages)) {
        return std::nullopt;
    }
    return s;
}

ProcessFigures read_process_figures() {
    ProcessFigures p;
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (auto s = parse_proc_stat(read_small("/proc/self/stat")); s && tick > 0) {
        p.cpu_seconds = static_cast<double>(s->utime_ticks + s->stime_ticks) / tick;
        p.resident_bytes = static_cast<double>(s->rss_pages) * page;
        p.virtual_bytes = static_cast<double>(s->vsize_bytes);
        p.threads = static_cast<double>(s->num_threads);
        // Boot time (btime in /proc/stat) + starttime.
        const std::string stat = read_small("/proc/stat");
        const size_t at = stat.find("\nbtime ");
        uint64_t btime = 0;
        if (at != std::string::npos) {
            const size_t end = stat.find('\n', at + 7);
            (void)to_u64(std::string_view(stat).substr(at + 7, end - at - 7), btime);
        }
        p.start_time_seconds =
            static_cast<double>(btime) + static_cast<double>(s->starttime_ticks) / tick;
    }
    if (DIR* d = ::opendir("/proc/self/fd")) {
        double n = 0;
        while (const dirent* e = ::readdir(d)) {
            if (e->d_name[0] != '.') n += 1;
        }
        ::closedir(d);
        p.open_fds = n - 1;  // the directory stream's own descriptor
    }
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = static_cast<double>(rl.rlim_cur);
    return p;
}

}  // namespace domus::telemetry

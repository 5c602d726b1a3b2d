#include "control/cgroup_host.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "base/fd.hpp"
#include "control/cgroup_values.hpp"

namespace domus::control {

namespace {

constexpr const char* kWanted[] = {"cpu", "cpuacct", "cpuset", "memory", "pids"};

std::optional<std::string> read_text(const std::string& path, size_t limit = 1 << 20) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > limit) return std::nullopt;
    }
    return out;
}

Status write_text(const std::string& path, const std::string& value) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));  // O_TRUNC: as echo > does
    ssize_t n = -1;
    if (fd.valid()) {
        do {
            n = ::write(fd.get(), value.data(), value.size());
        } while (n < 0 && errno == EINTR);
    }
    if (n != static_cast<ssize_t>(value.size())) {
        return make_error(Errc::io, "cannot write '" + value + "' to " + path + ": " +
                                        std::strerror(n < 0 ? errno : EIO));
    }
    return {};
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string parent_of(const std::string& dir) {
    const auto slash = dir.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string("/") : dir.substr(0, slash);
}

Status make_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return {};
    return make_error(Errc::io, "cannot create cgroup " + dir + ": " + std::strerror(errno));
}

// v1 cpuset: a new cgroup's cpus and mems are empty until set; a task cannot join before.
Status inherit_cpuset(const std::string& dir) {
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = read_text(dir + "/" + f);
        if (mine && !trimmed(*mine).empty()) continue;
        auto parent = read_text(parent_of(dir) + "/" + f);
        if (!parent) return make_error(Errc::io, "cannot read " + parent_of(dir) + "/" + f);
        if (auto st = write_text(dir + "/" + f, trimmed(*parent)); !st) return st;
    }
    return {};
}

// The directory of hierarchy path `path` under a mount of hierarchy path `root`.
std::optional<std::string> dir_under(const std::string& mount, const std::string& root,
                                     const std::string& path) {
    if (root == "/") return path == "/" ? mount : mount + path;
    if (path == root) return mount;
    if (path.starts_with(root + "/")) return mount + path.substr(root.size());
    return std::nullopt;  // our cgroup is not visible through this mount
}

void sleep_ms(int ms) {
    timespec ts{0, ms * 1000000L};
    ::nanosleep(&ts, nullptr);
}

}  // namespace

const char* to_string(CgroupMode m) {
    switch (m) {
        case CgroupMode::none:
            return "none";
        case CgroupMode::v1:
            return "v1";
        case CgroupMode::v2:
            return "v2";
    }
    return "none";
}

std::vector<std::string> CgroupDirs::unique() const {
    std::vector<std::string> out;
    for (const auto& [ctl, dir] : by_controller) {
        if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    }
    return out;
}

bool CgroupHost::has(const std::string& controller) const {
    return std::find(controllers_.begin(), controllers_.end(), controller) != controllers_.end();
}

std::string CgroupHost::description() const {
    if (mode_ == CgroupMode::none) return "none: " + why_;
    std::string s = std::string(to_string(mode_)) + " (";
    for (size_t i = 0; i < controllers_.size(); ++i) s += (i ? ", " : "") + controllers_[i];
    return s + ")";
}

CgroupHost CgroupHost::detect(const std::string& instance) {
    const auto mountinfo = read_text("/proc/self/mountinfo");
    const auto own_text = read_text("/proc/self/cgroup");
    if (!mountinfo || !own_text) {
        CgroupHost h;
        h.why_ = "cannot read /proc/self/mountinfo or /proc/self/cgroup";
        return h;
    }
    return detect_from(*mountinfo, *own_text, instance);
}

CgroupHost CgroupHost::detect_from(std::string_view mountinfo, std::string_view own_text,
                                   const std::string& instance) {
    CgroupHost h;
    h.instance_ = instance;
    auto fail = [&](std::string why) {
        h.mode_ = CgroupMode::none;
        h.why_ = std::move(why);
        h.controllers_.clear();
        h.roots_.clear();
        h.mounts_.clear();
        h.root_.clear();
        return h;
    };
    const auto own = parse_proc_cgroup(own_text);
    if (!own) return fail("cannot parse /proc/self/cgroup");
    const auto mounts = parse_mountinfo(mountinfo);

    // v2 first: the modern default, used when the cpu controller is available there.
    for (const auto& m : mounts) {
        if (!m.v2 || !own->contains("")) continue;
        auto dir = dir_under(m.mount_point, m.root, own->at(""));
        if (!dir) continue;
        auto ctl = read_text(*dir + "/cgroup.controllers");
        if (!ctl) continue;
        const auto words = split_words(*ctl);
        if (std::find(words.begin(), words.end(), "cpu") == words.end()) continue;
        h.mode_ = CgroupMode::v2;
        std::string enable;
        for (const char* c : {"cpu", "cpuset", "memory", "pids"}) {
            if (std::find(words.begin(), words.end(), c) == words.end()) continue;
            h.controllers_.emplace_back(c);
            enable += std::string(enable.empty() ? "" : " ") + "+" + c;
        }
        std::string cur = *dir;
        for (const std::string& level : {std::string("domus"), instance}) {
            if (auto st = write_text(cur + "/cgroup.subtree_control", enable); !st) {
                return fail("cgroup v2: " + st.error().message +
                            " (a cgroup with processes of its own cannot hand controllers to "
                            "children: start domusd in a cgroup of its own)");
            }
            cur += "/" + level;
            if (auto st = make_dir(cur); !st) return fail(st.error().message);
        }
        if (auto st = write_text(cur + "/cgroup.subtree_control", enable); !st) {
            return fail("cgroup v2: " + st.error().message);
        }
        for (const auto& c : h.controllers_) {
            h.roots_[c] = cur;
            h.mounts_[c] = {m.mount_point, m.root};
        }
        h.root_ = cur;
        return h;
    }

    // v1: each controller's own hierarchy.
    for (const char* c : kWanted) {
        for (const auto& m : mounts) {
            if (m.v2 ||
                std::find(m.controllers.begin(), m.controllers.end(), c) == m.controllers.end()) {
                continue;
            }
            auto it = own->find(c);
            if (it == own->end()) continue;
            auto dir = dir_under(m.mount_point, m.root, it->second);
            if (!dir) continue;
            h.mounts_[c] = {m.mount_point, m.root};
            h.roots_[c] = *dir + "/domus/" + instance;
            h.controllers_.emplace_back(c);
            break;
        }
    }
    if (!h.has("cpu")) {
        return fail("no cgroup v2 hierarchy with the cpu controller and no cgroup v1 cpu mount");
    }
    h.mode_ = CgroupMode::v1;
    std::set<std::string> made;
    for (const auto& c : h.controllers_) {
        const std::string& root = h.roots_[c];
        if (!made.insert(root).second) continue;
        for (const std::string& d : {parent_of(root), root}) {
            if (auto st = make_dir(d); !st) return fail(st.error().message);
            if (c == "cpuset") {
                if (auto st = inherit_cpuset(d); !st) return fail(st.error().message);
            }
        }
    }
    h.root_ = h.roots_["cpu"];
    return h;
}

std::optional<std::string> CgroupHost::unsupported(const CgroupSettings& s, bool cpus_set) const {
    const std::string where = "this host's cgroups (" + description() + ")";
    if (mode_ == CgroupMode::none) {
        if (s.weight != kDefaultCpuWeight) return "cpu_weight cannot be applied: " + where;
        if (s.cap != 0) return "cap cannot be applied: " + where;
        if (cpus_set) return "cpus cannot be applied: " + where;
        return std::nullopt;
    }
    if (cpus_set && !has("cpuset")) return "cpus needs the cpuset controller, missing in " + where;
    return std::nullopt;
}

CgroupDirs CgroupHost::dirs_for(int64_t id) const {
    CgroupDirs d;
    for (const auto& [c, root] : roots_) d.by_controller[c] = root + "/" + std::to_string(id);
    return d;
}

Result<CgroupDirs> CgroupHost::create(int64_t id, const CgroupSettings& s) const {
    if (mode_ == CgroupMode::none) return make_error(Errc::unsupported, "no cgroups: " + why_);
    CgroupDirs d = dirs_for(id);
    remove(d);  // an empty leftover of a monitor that ended while no daemon watched
    for (const auto& dir : d.unique()) {
        if (auto st = make_dir(dir); !st) {
            remove(d);
            return st.error();
        }
    }
    auto put = [&](const char* ctl, const char* file, const std::string& value) -> Status {
        auto it = d.by_controller.find(ctl);
        if (it == d.by_controller.end()) return {};
        return write_text(it->second + "/" + file, value);
    };
    Status st;
    if (mode_ == CgroupMode::v1) {
        if (has("cpuset")) st = inherit_cpuset(d.by_controller["cpuset"]);
        if (st && s.memory_bytes)
            st = put("memory", "memory.limit_in_bytes", std::to_string(s.memory_bytes));
    } else {
        if (st && s.memory_bytes) st = put("memory", "memory.max", std::to_string(s.memory_bytes));
    }
    if (st && s.pids_max) st = put("pids", "pids.max", std::to_string(s.pids_max));
    if (st) st = apply_cpu(d, s);
    if (!st) {
        remove(d);
        return st.error();
    }
    return d;
}

Status CgroupHost::apply_cpu(const CgroupDirs& d, const CgroupSettings& s) const {
    auto dir = [&](const char* ctl) -> std::optional<std::string> {
        auto it = d.by_controller.find(ctl);
        if (it == d.by_controller.end()) return std::nullopt;
        return it->second;
    };
    auto cpu = dir("cpu");
    if (!cpu) return make_error(Errc::unsupported, "no cpu cgroup for this domain");
    auto cpus_value = [&](const std::string& set_dir) -> std::string {
        if (!s.cpus.empty()) return format_cpu_list(s.cpus);
        // Every CPU the daemon's subtree has.
        auto parent =
            read_text(parent_of(set_dir) + "/" +
                      (mode_ == CgroupMode::v1 ? "cpuset.cpus" : "cpuset.cpus.effective"));
        return parent ? trimmed(*parent) : std::string();
    };
    if (mode_ == CgroupMode::v1) {
        if (auto st = write_text(*cpu + "/cpu.shares", std::to_string(v1_cpu_shares(s.weight)));
            !st)
            return st;
        if (auto st = write_text(*cpu + "/cpu.cfs_period_us", std::to_string(kCfsPeriodUs)); !st)
            return st;
        const auto q = cap_quota_us(s.cap);
        if (auto st = write_text(*cpu + "/cpu.cfs_quota_us", q ? std::to_string(*q) : "-1"); !st)
            return st;
        if (auto set = dir("cpuset")) {
            if (auto st = write_text(*set + "/cpuset.cpus", cpus_value(*set)); !st) return st;
        }
    } else {
        if (auto st = write_text(*cpu + "/cpu.weight", std::to_string(v2_cpu_weight(s.weight)));
            !st)
            return st;
        if (auto st = write_text(*cpu + "/cpu.max", v2_cpu_max(s.cap)); !st) return st;
        if (auto set = dir("cpuset")) {
            // "" in v2 means the parent's CPUs.
            const std::string v = s.cpus.empty() ? std::string() : format_cpu_list(s.cpus);
            if (auto st = write_text(*set + "/cpuset.cpus", v.empty() ? "\n" : v); !st) return st;
        }
    }
    return {};
}

CgroupDirs CgroupHost::dirs_of(pid_t pid, int64_t id) const {
    CgroupDirs d;
    if (mode_ == CgroupMode::none || pid <= 0) return d;
    auto text = read_text("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text) return d;
    auto paths = parse_proc_cgroup(*text);
    if (!paths) return d;
    const CgroupDirs expected = dirs_for(id);
    for (const auto& c : controllers_) {
        auto p = paths->find(mode_ == CgroupMode::v2 ? std::string() : c);
        auto m = mounts_.find(c);
        if (p == paths->end() || m == mounts_.end()) continue;
        auto dir = dir_under(m->second.first, m->second.second, p->second);
        if (dir && *dir == expected.by_controller.at(c)) d.by_controller[c] = *dir;
    }
    return d;
}

Status CgroupHost::add_process(const CgroupDirs& d, pid_t pid) const {
    for (const auto& dir : d.unique()) {
        if (auto st = write_text(dir + "/cgroup.procs", std::to_string(pid)); !st) return st;
    }
    return {};
}

void CgroupHost::remove(const CgroupDirs& d) const {
    for (const auto& dir : d.unique()) {
        // The kernel empties a cgroup once its last process has been reaped: wait a little.
        for (int i = 0; i < 100; ++i) {
            if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
            if (errno != EBUSY) break;
            sleep_ms(10);
        }
    }
}

void CgroupHost::release() const {
    std::set<std::string> done;
    for (const auto& [c, root] : roots_) {
        if (done.insert(root).second) ::rmdir(root.c_str());  // EBUSY while a domain runs
    }
}

Result<uint64_t> CgroupHost::cpu_usage_ns(const CgroupDirs& d) const {
    if (mode_ == CgroupMode::v1) {
        auto it = d.by_controller.find("cpuacct");
        if (it == d.by_controller.end()) return make_error(Errc::unsupported, "no cpuacct cgroup");
        auto text = read_text(it->second + "/cpuacct.usage");
        if (!text) return make_error(Errc::io, "cannot read " + it->second + "/cpuacct.usage");
        return std::strtoull(text->c_str(), nullptr, 10);
    }
    auto it = d.by_controller.find("cpu");
    if (it == d.by_controller.end()) return make_error(Errc::unsupported, "no cpu cgroup");
    auto text = read_text(it->second + "/cpu.stat");
    if (!text) return make_error(Errc::io, "cannot read " + it->second + "/cpu.stat");
    const auto pos = text->find("usage_usec ");
    if (pos == std::string::npos) return make_error(Errc::io, "no usage_usec in cpu.stat");
    return std::strtoull(text->c_str() + pos + 11, nullptr, 10) * 1000;
}

CgroupHost::ThreadInCgroup::ThreadInCgroup(const CgroupHost& host, const CgroupDirs& dirs) {
    if (host.mode_ != CgroupMode::v1) return;
    const auto tid = static_cast<pid_t>(::syscall(SYS_gettid));
    auto text = read_text("/proc/thread-self/cgroup");
    auto paths = text ? parse_proc_cgroup(*text) : std::nullopt;
    if (!paths) {
        status_ = make_error(Errc::io, "cannot read /proc/thread-self/cgroup");
        return;
    }
    std::set<std::string> done;
    for (const auto& [c, dir] : dirs.by_controller) {
        if (!done.insert(dir).second) continue;
        auto p = paths->find(c);
        auto m = host.mounts_.find(c);
        if (p == paths->end() || m == host.mounts_.end()) continue;
        auto from = dir_under(m->second.first, m->second.second, p->second);
        if (!from) continue;
        status_ = write_text(dir + "/tasks", std::to_string(tid));
        if (!status_) return;  // the destructor moves back what moved
        back_[dir + "/tasks"] = *from + "/tasks";
    }
}

CgroupHost::ThreadInCgroup::~ThreadInCgroup() {
    const auto tid = std::to_string(::syscall(SYS_gettid));
    for (const auto& [to, from] : back_) (void)write_text(from, tid);
}

}  // namespace domus::control

// The host's cgroups as domusd uses them: which version is in use (detected once at start),
// the daemon's own subtree, and one cgroup per domain's monitor with the settings of
// cgroup_values.hpp written into it.
//
// Layout: v2 <mount><daemon's cgroup>/domus/<instance>/<domain id>, with cpu, cpuset, memory
// and pids enabled in every subtree_control on the way; v1 the same path under each controller's
// mount (cpu, cpuacct, cpuset, memory, pids; co-mounted ones share a directory). <instance> is
// derived from the state dir, so two daemons on one host never share a domain's cgroup.
//
// Joining: the monitor is in its cgroup before it runs anything. On v1 the thread that spawns
// it moves itself (its tid, through `tasks`) into the domain's cgroups first (ThreadInCgroup),
// so the monitor is born there, and moves back afterwards. v2 keeps a process's threads in one
// cgroup, so there the monitor's pid is written into cgroup.procs as soon as it exists.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus::control {

enum class CgroupMode { none, v1, v2 };
const char* to_string(CgroupMode m);

// What a domain's cgroup is set to. Empty cpus: every CPU of the daemon's cpuset.
struct CgroupSettings {
    uint32_t weight = 256;
    uint32_t cap = 0;
    std::vector<uint32_t> cpus;
    uint64_t memory_bytes = 0;  // 0: no limit
    uint64_t pids_max = 0;      // 0: no limit
};

// A domain's cgroup directories by controller (v2: one directory for all).
struct CgroupDirs {
    std::map<std::string, std::string> by_controller;
    std::vector<std::string> unique() const;  // each directory once
    bool empty() const { return by_controller.empty(); }
};

class CgroupHost {
  public:
    // Detects the cgroup version from /proc/self/mountinfo and /proc/self/cgroup and makes
    // the daemon's subtree. Never fails: a host without usable cgroups gives mode none, with
    // the reason in description().
    static CgroupHost detect(const std::string& instance);
    // The same from the texts of /proc/self/mountinfo and /proc/self/cgroup (the files under
    // the mount points named there are read and written as they are found).
    static CgroupHost detect_from(std::string_view mountinfo, std::string_view own_cgroup,
                                  const std::string& instance);

    CgroupMode mode() const { return mode_; }
    const std::vector<std::string>& controllers() const { return controllers_; }
    bool has(const std::string& controller) const;
    // "v1 (cpu, cpuacct, cpuset, memory, pids)" or "none: <why>".
    std::string description() const;
    const std::string& root() const { return root_; }  // e.g. /sys/fs/cgroup/cpu/.../domus/<inst>

    // The error for settings this host cannot apply (a cap without the cpu controller, ...),
    // naming the field: nullopt when they can be applied.
    std::optional<std::string> unsupported(const CgroupSettings& s, bool cpus_set) const;

    // Creates the domain's cgroup (replacing an empty leftover) and writes the settings.
    Result<CgroupDirs> create(int64_t id, const CgroupSettings& s) const;
    // Writes the CPU settings (weight, cap, cpus) of a live domain's cgroup.
    Status apply_cpu(const CgroupDirs& dirs, const CgroupSettings& s) const;
    // Where `pid` is, for the controllers in use, if that is a domain cgroup of this daemon
    // (a re-adopted monitor keeps its cgroup): empty otherwise.
    CgroupDirs dirs_of(pid_t pid, int64_t id) const;
    // The directories for domain `id`, whether or not they exist.
    CgroupDirs dirs_for(int64_t id) const;
    // Moves `pid` (all its threads) into the cgroup.
    Status add_process(const CgroupDirs& dirs, pid_t pid) const;
    // Removes the domain's cgroup, waiting briefly for the kernel to empty it.
    void remove(const CgroupDirs& dirs) const;
    // Removes the daemon's own subtree if it is empty (at shutdown; live monitors keep it).
    void release() const;
    // CPU time used by the cgroup's processes, in nanoseconds.
    Result<uint64_t> cpu_usage_ns(const CgroupDirs& dirs) const;

    // v1: moves the calling thread into `dirs` for its lifetime, then back to where it was.
    class ThreadInCgroup {
      public:
        ThreadInCgroup(const CgroupHost& host, const CgroupDirs& dirs);
        ~ThreadInCgroup();
        ThreadInCgroup(const ThreadInCgroup&) = delete;
        ThreadInCgroup& operator=(const ThreadInCgroup&) = delete;
        const Status& status() const { return status_; }

      private:
        std::map<std::string, std::string> back_;  // tasks file -> where we came from
        Status status_;
    };

  private:
    CgroupMode mode_ = CgroupMode::none;
    std::string why_;
    std::vector<std::string> controllers_;
    // controller -> the daemon's subtree root for it (v2: all the same)
    std::map<std::string, std::string> roots_;
    // controller -> the mount point and the hierarchy path mounted there
    std::map<std::string, std::pair<std::string, std::string>> mounts_;
    std::string root_;
    std::string instance_;
};

}  // namespace domus::control

#include "vmm/jail.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstring>

namespace domus::vmm {

namespace {

Error sys_error(const std::string& what) {
    return make_error(Errc::resource, "jail: " + what + ": " + std::strerror(errno));
}

// unshare(CLONE_NEWNS), capset and the bounding set act on the calling thread only: a thread
// started earlier would stay outside the jail with every privilege.
Status check_single_threaded() {
    DIR* d = ::opendir("/proc/self/task");
    if (d == nullptr) return sys_error("opendir /proc/self/task");
    int threads = 0;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') ++threads;
    }
    ::closedir(d);
    if (threads != 1) {
        return make_error(Errc::resource, "jail: the monitor has " + std::to_string(threads) +
                                              " threads; it must enter the jail with one");
    }
    return {};
}

Status drop_capabilities(const std::optional<JailUser>& user) {
    // The bounding set needs CAP_SETPCAP: before giving up uid 0.
    for (int cap = 0; cap <= 63; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
            return sys_error("PR_CAPBSET_DROP " + std::to_string(cap));
        }
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        return sys_error("PR_CAP_AMBIENT_CLEAR_ALL");
    }
    if (user) {
        if (::setgroups(0, nullptr) != 0) return sys_error("setgroups");
        if (::setresgid(user->gid, user->gid, user->gid) != 0) {
            return sys_error("setresgid " + std::to_string(user->gid));
        }
        if (::setresuid(user->uid, user->uid, user->uid) != 0) {
            return sys_error("setresuid " + std::to_string(user->uid));
        }
    }
    // Still uid 0 (no user) keeps its capabilities across setuid: clear them explicitly.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capset, &header, data) != 0) return sys_error("capset");
    return {};
}

}  // namespace

Status enter_jail(const std::string& dir, const std::optional<JailUser>& user) {
    if (dir.empty() || dir.front() != '/') {
        return make_error(Errc::invalid_argument, "jail: '" + dir + "' is not an absolute path");
    }
    if (auto st = check_single_threaded(); !st) return st;
    if (::unshare(CLONE_NEWNS) != 0) return sys_error("unshare(CLONE_NEWNS)");
    // Nothing done here propagates back to the host's mounts.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return sys_error("making / private");
    }
    // pivot_root needs a mount point: bind the directory onto itself, then lock it down.
    if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        return sys_error("bind-mounting " + dir);
    }
    if (::mount(nullptr, dir.c_str(), nullptr,
                MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        return sys_error("remounting " + dir + " nosuid,nodev,noexec");
    }
    if (::chdir(dir.c_str()) != 0) return sys_error("chdir " + dir);
    // pivot_root(".", "."): the old root is stacked under the new one, then detached.
    if (::syscall(SYS_pivot_root, ".", ".") != 0) return sys_error("pivot_root " + dir);
    if (::umount2(".", MNT_DETACH) != 0) return sys_error("detaching the old root");
    if (::chdir("/") != 0) return sys_error("chdir /");
    if (auto st = drop_capabilities(user); !st) return st;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_error("PR_SET_NO_NEW_PRIVS");
    return {};
}

}  // namespace domus::vmm

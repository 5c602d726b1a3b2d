// Confined monitors (src/vmm/jail.hpp, seccomp_filter.hpp) under a real domusd: each domus-vmm
// runs jailed in its own run directory with no capabilities, no_new_privs and its seccomp
// filter, and still boots, serves its console, pauses, survives the daemon's kill -9 and shuts
// down; a forbidden system call (the test build's SIGUSR2 hook) makes the domain `crashed`
// with the call named; `vmm-user` runs it unprivileged, `vmm-uid-range` as a user of its
// domain's own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// "Name:\tvalue" lines of /proc/PID/status.
std::map<std::string, std::string> proc_status(int64_t pid) {
    std::map<std::string, std::string> fields;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        fields[line.substr(0, colon)] = value;
    }
    return fields;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool console_has(const Daemon& d, const std::string& name, const std::string& needle) {
    for (int i = 0; i < 500; ++i) {
        if (d.request("GET", "/v1/domains/" + name + "/console?tail=200").body.find(needle) !=
            std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// A domusd config file with `text`; the caller removes it.
std::string write_config(const std::string& text) {
    char path[] = "/tmp/domus-confine-conf-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd >= 0) {
        (void)!::write(fd, text.data(), text.size());
        ::close(fd);
    }
    return path;
}

// What a confined monitor must show in /proc, and that its root is its run directory alone.
void expect_confined(int64_t pid, const std::string& run_dir, const std::string& uid) {
    auto st = proc_status(pid);
    EXPECT_EQ(st["NoNewPrivs"], "1");
    EXPECT_EQ(st["Seccomp"], "2");
    EXPECT_EQ(st["CapEff"], "0000000000000000");
    EXPECT_EQ(st["CapPrm"], "0000000000000000");
    EXPECT_EQ(st["CapBnd"], "0000000000000000");
    EXPECT_EQ(st["CapAmb"], "0000000000000000");
    EXPECT_EQ(st["Uid"], uid + "\t" + uid + "\t" + uid + "\t" + uid);
    // One mount in its namespace: the run directory, as "/", nosuid,nodev,noexec.
    const std::string mounts = slurp("/proc/" + std::to_string(pid) + "/mountinfo");
    std::istringstream lines(mounts);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        ++n;
        std::istringstream f(line);
        std::string id, parent, dev, root, point, options;
        f >> id >> parent >> dev >> root >> point >> options;
        EXPECT_EQ(root, fs::canonical(run_dir).string()) << mounts;
        EXPECT_EQ(point, "/") << mounts;
        EXPECT_NE(options.find("nosuid"), std::string::npos) << mounts;
        EXPECT_NE(options.find("nodev"), std::string::npos) << mounts;
        EXPECT_NE(options.find("noexec"), std::string::npos) << mounts;
    }
    EXPECT_EQ(n, 1) << mounts;
    // Through its root: the domain's own files and nothing else.
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/root")) {
        const std::string name = e.path().filename().string();
        EXPECT_TRUE(name.rfind(fs::path(run_dir).filename().string() + ".", 0) == 0)
            << name << " is visible to the monitor";
    }
}

// Shuts `name` down through the API and checks that its monitor, jailed and unprivileged as it
// may be, wrote the exit record that says so.
void expect_powers_off(const Daemon& d, const std::string& name) {
    int status = 0;
    d.json("POST", "/v1/domains/" + name + "/shutdown", "", &status);
    EXPECT_EQ(status, 202);
    auto stopped = d.wait_state(name, "stopped");
    ASSERT_TRUE(stopped.contains("last_exit")) << json::serialize(stopped);
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "reason"), "poweroff")
        << json::serialize(stopped);
}

// ThreadSanitizer builds of domus-vmm do not confine themselves (monitor.hpp).
#if defined(__SANITIZE_THREAD__)
#define DOMUS_REQUIRE_CONFINED_MONITOR() GTEST_SKIP() << "TSan builds do not confine the monitor"
#else
#define DOMUS_REQUIRE_CONFINED_MONITOR() DOMUS_REQUIRE_DAEMON()
#endif

TEST(DaemonConfine, AMonitorRunsJailedFilteredAndWithoutCapabilities) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.state_dir() + "/images";
    std::ofstream(images + "/data.img").write(std::string(1 << 20, '\0').data(), 1 << 20);
    int status = 0;
    auto v =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"jailed","cmdline":"service","disks":[{"path":"data.img"}]})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t id = num(v.as_object(), "id");
    const int64_t pid = pid_of(v.as_object());
    ASSERT_GT(pid, 0);
    const std::string run_dir = d.state_dir() + "/run/" + std::to_string(id);
    EXPECT_TRUE(console_has(d, "jailed", "service: heartbeat 1")) << d.log();
    expect_confined(pid, run_dir, "0");
    EXPECT_NE(slurp(run_dir + "/" + std::to_string(id) + ".log")
                  .find("(confined: jail, no capabilities, seccomp)"),
              std::string::npos);

    // The control channel works through the filter: status figures, pause, unpause.
    auto got = d.json("GET", "/v1/domains/jailed").as_object();
    ASSERT_TRUE(got.contains("stats") && got.at("stats").is_object()) << json::serialize(got);
    EXPECT_GT(num(got.at("stats").as_object(), "vcpu_time_ns"), 0) << json::serialize(got);
    d.json("POST", "/v1/domains/jailed/pause", "", &status);
    EXPECT_EQ(status, 200);
    d.json("POST", "/v1/domains/jailed/unpause", "", &status);
    EXPECT_EQ(status, 200);

    // The daemon dies; the jailed monitor's control socket is still reachable from outside.
    d.kill9();
    ASSERT_TRUE(d.start()) << d.log();
    got = d.json("GET", "/v1/domains/jailed").as_object();
    EXPECT_EQ(pid_of(got), pid) << "not re-adopted: " << json::serialize(got);
    EXPECT_EQ(str(got, "state"), "running");
    EXPECT_TRUE(console_has(d, "jailed", "service: heartbeat 3"));

    ASSERT_NO_FATAL_FAILURE(expect_powers_off(d, "jailed"));
    // Nothing of the run left but the logs; the directory goes with the domain.
    const std::string base = run_dir + "/" + std::to_string(id);
    EXPECT_FALSE(fs::exists(base + ".ctl"));
    EXPECT_FALSE(fs::exists(base + ".exit"));
    EXPECT_FALSE(fs::exists(base + ".exit.tmp"));
    EXPECT_EQ(d.request("DELETE", "/v1/domains/jailed").status, 204);
    EXPECT_FALSE(fs::exists(run_dir));
}

#ifdef DOMUS_VMM_TESTHOOKS_BIN
// log-format = json: the SIGSYS handler's line (written with async-signal-safe calls only) is a
// JSON object like every other line of the monitor, with the domain's name and id.
TEST(DaemonConfine, TheSeccompLineIsJsonUnderLogFormatJson) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    Daemon d({"--vmm", DOMUS_VMM_TESTHOOKS_BIN, "--log-format", "json"});
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"badj","cmdline":"service","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t id = num(v.as_object(), "id");
    ASSERT_TRUE(console_has(d, "badj", "service: heartbeat 1"));
    ASSERT_EQ(::kill(static_cast<pid_t>(pid_of(v.as_object())), SIGUSR2), 0);
    auto crashed = d.wait_state("badj", "crashed");
    ASSERT_EQ(str(crashed, "state"), "crashed") << json::serialize(crashed);
    const std::string log =
        slurp(d.state_dir() + "/run/" + std::to_string(id) + "/" + std::to_string(id) + ".log");
    std::istringstream lines(log);
    std::string line;
    bool seccomp_line = false;
    while (std::getline(lines, line)) {
        boost::system::error_code ec;
        auto doc = json::parse(line, ec);
        ASSERT_FALSE(ec) << "not JSON: " << line;
        ASSERT_TRUE(doc.is_object()) << line;
        const auto& o = doc.as_object();
        EXPECT_EQ(str(o, "domain"), "badj") << line;
        EXPECT_EQ(num(o, "id"), id) << line;
        if (str(o, "msg").rfind("seccomp: forbidden system call execve (59)", 0) == 0) {
            seccomp_line = true;
            EXPECT_EQ(str(o, "level"), "error") << line;
        }
    }
    EXPECT_TRUE(seccomp_line) << log;
}

TEST(DaemonConfine, AForbiddenSystemCallCrashesTheDomainAndIsNamed) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    Daemon d({"--vmm", DOMUS_VMM_TESTHOOKS_BIN});
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"bad","cmdline":"service","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t id = num(v.as_object(), "id");
    const int64_t pid = pid_of(v.as_object());
    ASSERT_TRUE(console_has(d, "bad", "service: heartbeat 1"));
    ASSERT_EQ(proc_status(pid)["Seccomp"], "2");
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGUSR2), 0);  // the hook: execve(2)

    auto crashed = d.wait_state("bad", "crashed");
    ASSERT_EQ(str(crashed, "state"), "crashed") << json::serialize(crashed);
    const auto& last = crashed.at("last_exit").as_object();
    EXPECT_EQ(str(last, "reason"), "seccomp") << json::serialize(crashed);
    EXPECT_EQ(num(last, "code"), 59);  // __NR_execve on x86-64
    EXPECT_NE(str(last, "detail").find("forbidden system call execve (59)"), std::string::npos)
        << json::serialize(crashed);
    const std::string log =
        slurp(d.state_dir() + "/run/" + std::to_string(id) + "/" + std::to_string(id) + ".log");
    EXPECT_NE(log.find("domus-vmm: seccomp: forbidden system call execve (59)"), std::string::npos)
        << log;
    const std::string events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("seccomp: forbidden system call execve"), std::string::npos) << events;
    // (monitors_under() would also match domusd here: its --vmm names domus-vmm.)
    EXPECT_NE(::kill(static_cast<pid_t>(pid), 0), 0) << "the monitor is still there";
    // A crashed domain starts again.
    d.json("POST", "/v1/domains/bad/destroy", "", &status);
    EXPECT_EQ(status, 200);
    d.json("POST", "/v1/domains/bad/start", "", &status);
    EXPECT_EQ(status, 200) << d.log();
}
#endif

// `vmm-user = nobody`: the monitor drops to it after opening /dev/kvm (root-only here).
TEST(DaemonConfine, VmmUserRunsTheMonitorUnprivileged) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    const auto nobody = slurp("/etc/passwd").find("\nnobody:x:65534:65534:");
    if (nobody == std::string::npos) GTEST_SKIP() << "no nobody user (65534) here";
    const std::string conf = write_config("vmm-user = nobody\n");
    Daemon user({"--config", conf});
    const bool started = user.start();
    ::unlink(conf.c_str());
    ASSERT_TRUE(started) << user.log();
    int status = 0;
    auto v = user.json("POST", "/v1/domains?start=true", R"({"name":"low","cmdline":"service"})",
                       &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << user.log();
    const int64_t id = num(v.as_object(), "id");
    const std::string run_dir = user.state_dir() + "/run/" + std::to_string(id);
    EXPECT_TRUE(console_has(user, "low", "service: heartbeat 1"));
    expect_confined(pid_of(v.as_object()), run_dir, "65534");
    EXPECT_EQ(proc_status(pid_of(v.as_object()))["Gid"], "65534\t65534\t65534\t65534");
    EXPECT_EQ(fs::status(run_dir).permissions() & fs::perms::all, fs::perms::owner_all);
    expect_powers_off(user, "low");  // the unprivileged monitor still wrote its exit record
}

// `vmm-uid-range`: each domain's monitor runs as a user of its own, FIRST + its id, and owns
// its run directory; a domain whose id the range does not hold is refused by name, and nothing
// is made for it.
TEST(DaemonConfine, EachMonitorRunsAsTheUserOfItsDomain) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    constexpr uint32_t kFirst = 3900000000u;
    const std::string conf = write_config("vmm-uid-range = 3900000000-3900000002\n");
    Daemon d({"--config", conf});
    const bool started = d.start();
    ::unlink(conf.c_str());
    ASSERT_TRUE(started) << d.log();
    std::set<std::string> uids;
    int64_t last_id = 0;
    for (const char* name : {"one", "two"}) {
        int status = 0;
        auto v = d.json("POST", "/v1/domains?start=true",
                        std::string(R"({"name":")") + name + R"(","cmdline":"service"})", &status);
        ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
        const int64_t id = num(v.as_object(), "id");
        last_id = id;
        const std::string uid = std::to_string(kFirst + uint64_t(id));
        const std::string run_dir = d.state_dir() + "/run/" + std::to_string(id);
        EXPECT_TRUE(console_has(d, name, "service: heartbeat 1")) << d.log();
        expect_confined(pid_of(v.as_object()), run_dir, uid);
        EXPECT_EQ(proc_status(pid_of(v.as_object()))["Gid"],
                  uid + "\t" + uid + "\t" + uid + "\t" + uid);
        struct stat st {};
        ASSERT_EQ(::stat(run_dir.c_str(), &st), 0);
        EXPECT_EQ(std::to_string(st.st_uid), uid);
        EXPECT_EQ(std::to_string(st.st_gid), uid);
        uids.insert(uid);
    }
    EXPECT_EQ(uids.size(), 2u);  // no two monitors share a user

    // The range holds ids 0 to 2; a domain past it is defined but cannot start.
    int status = 0;
    int64_t id = last_id;
    std::string name;
    while (id <= 2) {  // define domains until one gets an id past the range
        name = "past" + std::to_string(id);
        auto v = d.json("POST", "/v1/domains", R"({"name":")" + name + R"(","cmdline":"service"})",
                        &status);
        ASSERT_EQ(status, 201) << json::serialize(v);
        id = num(v.as_object(), "id");
    }
    auto r = d.json("POST", "/v1/domains/" + name + "/start", "", &status);
    EXPECT_EQ(status, 409) << json::serialize(r);
    const std::string message = json::serialize(r);
    EXPECT_NE(
        message.find("domain '" + name + "' failed to start: domain id " + std::to_string(id) +
                     " has no uid in vmm-uid-range 3900000000-3900000002 (it holds ids 0 "
                     "to 2)"),
        std::string::npos)
        << message;
    EXPECT_EQ(str(d.json("GET", "/v1/domains/" + name).as_object(), "state"), "stopped");
    EXPECT_FALSE(fs::exists(d.state_dir() + "/run/" + std::to_string(id)));

    expect_powers_off(d, "one");  // a per-domain monitor still writes its exit record
}

// A range that holds an existing account's id, or one set beside vmm-user, stops the daemon at
// start, named.
TEST(DaemonConfine, ABadVmmUidRangeStopsTheDaemonAtStart) {
    DOMUS_REQUIRE_DAEMON_BINARIES();  // boots nothing
    if (slurp("/etc/passwd").find("\nnobody:x:65534:65534:") == std::string::npos) {
        GTEST_SKIP() << "no nobody user (65534) here";
    }
    // 65534 is nobody's uid (and, on Debian, the gid of sync and nogroup: the first found is
    // named).
    for (auto [text, expected] :
         {std::pair<std::string, std::string>{"vmm-uid-range = 65000-66000\n",
                                              "vmm-uid-range 65000-66000 holds user '"},
          {"vmm-uid-range = 65000-66000\n", " 65534): its ids must belong to no account or group"},
          {"vmm-user = nobody\nvmm-uid-range = 3900000000-3900000002\n",
           "vmm-user and vmm-uid-range are exclusive"}}) {
        const std::string conf = write_config(text);
        Daemon d({"--config", conf});
        EXPECT_FALSE(d.start()) << text;
        ::unlink(conf.c_str());
        EXPECT_NE(d.log().find(expected), std::string::npos) << d.log();
    }
}

// The TAP the daemon made is attached by the monitor while it is still root; once it runs as
// `nobody` with no capabilities the guest's NIC still works both ways (ping from the host
// side, in a private network namespace) and the filter admits the guest's offload changes.
TEST(DaemonConfine, AnUnprivilegedMonitorsNicWorks) {
    DOMUS_REQUIRE_CONFINED_MONITOR();
    if (slurp("/etc/passwd").find("\nnobody:x:65534:65534:") == std::string::npos) {
        GTEST_SKIP() << "no nobody user (65534) here";
    }
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    const std::string conf = write_config("vmm-user = nobody\n");
    Daemon d({"--config", conf});
    std::string why;
    if (!d.use_private_netns(why)) {
        ::unlink(conf.c_str());
        GTEST_SKIP() << why;
    }
    const bool started = d.start();
    ::unlink(conf.c_str());
    ASSERT_TRUE(started) << d.log();
    const std::string script = "set -e; cd '" + d.dir() +
                               "'; mkdir -p root/bin; cp /bin/busybox root/bin/; for a in sh "
                               "sleep; do ln -sf busybox root/bin/$a; done; (cd root && find . | "
                               "cpio -o -H newc 2>/dev/null) | gzip > '" +
                               d.image_dir() + "/net.cpio.gz'";
    ASSERT_EQ(run_process({"/bin/sh", "-c", script}, timeout_after(60)).exit_code, 0);
    json::object body{{"name", "netlow"},
                      {"memory", 128},
                      {"ramdisk", d.image_dir() + "/net.cpio.gz"},
                      {"cmdline", "init=/bin/sh -- -c 'sleep 60'"},
                      {"nics", json::array{json::object{}}}};
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t pid = pid_of(v.as_object());
    EXPECT_EQ(proc_status(pid)["Uid"], "65534\t65534\t65534\t65534");
    EXPECT_EQ(proc_status(pid)["CapEff"], "0000000000000000");
    const auto& nics = v.as_object().at("nics").as_array();
    ASSERT_EQ(nics.size(), 1u) << json::serialize(v);
    const std::string ip = str(nics[0].as_object(), "ip");
    auto ping = d.in_netns({"ping", "-c", "3", "-i", "0.2", "-w", "15", ip});
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    EXPECT_NE(ping.out.find(" 3 received"), std::string::npos) << ping.out;
    EXPECT_EQ(str(d.json("GET", "/v1/domains/netlow").as_object(), "state"), "running");
}

// domus-vmm's own flags: --user must be UID:GID and needs confinement; both refusals come
// through the handshake before anything is built.
TEST(DaemonConfine, MonitorUserFlagsAreChecked) {
    DOMUS_REQUIRE_DAEMON();
    char dir[] = "/tmp/domus-confine-flags-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::vector<std::string> base{DOMUS_VMM_BIN, "--name",    "f", "--id",
                                        "9",           "--run-dir", dir};
    auto with = [&](std::vector<std::string> extra) {
        auto argv = base;
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv, timeout_after(20));
    };
    auto bad = with({"--user", "nobody"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.out.find("user 'nobody': expected UID:GID"), std::string::npos) << bad.out;
    auto both = with({"--no-confine", "--user", "65534:65534"});
    EXPECT_EQ(both.exit_code, 1);
    EXPECT_NE(both.out.find("--user needs confinement"), std::string::npos) << both.out;
    (void)!std::system(("rm -rf '" + std::string(dir) + "'").c_str());
}

TEST(DaemonConfine, AnUnknownVmmUserStopsTheDaemonAtStart) {
    DOMUS_REQUIRE_DAEMON();
    const std::string conf = write_config("vmm-user = no-such-user-here\n");
    Daemon d({"--config", conf});
    EXPECT_FALSE(d.start());
    ::unlink(conf.c_str());
    EXPECT_NE(d.log().find("vmm-user 'no-such-user-here': no such user"), std::string::npos)
        << d.log();
}

}  // namespace
}  // namespace domus::test

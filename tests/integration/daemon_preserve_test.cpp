// on_crash/on_poweroff = preserve (Xen's meaning) and dump-core against a real daemon: the
// monitor keeps the ended domain (memory, stopped vCPUs) until destroyed, gdb opens its core,
// and a restarted daemon re-adopts it.
#include <elf.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

bool flag(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->as_bool();
}

// Polls the domain until the daemon reports it preserved (its sampler notices within a
// stats interval); returns the last object seen.
json::object wait_preserved(const Daemon& d, const std::string& name, double timeout_s = 20) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(int(timeout_s * 1000));
    json::object v;
    while (std::chrono::steady_clock::now() < deadline) {
        v = d.json("GET", "/v1/domains/" + name).as_object();
        if (flag(v, "preserved")) return v;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return v;
}

bool process_alive(int64_t pid) {
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

bool wait_gone(int64_t pid) {
    for (int i = 0; i < 100 && process_alive(pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return !process_alive(pid);
}

std::string gdb_on(const std::string& core, const std::vector<std::string>& commands) {
    std::vector<std::string> argv{
        "/usr/bin/gdb",     "-nx", "-batch", "-ex", "set architecture i386:x86-64", "-ex",
        "core-file " + core};
    for (const auto& c : commands) {
        argv.push_back("-ex");
        argv.push_back(c);
    }
    RunOptions opts;
    opts.timeout_s = 60;
    auto r = run_process(argv, opts);
    return r.out + r.err;
}

bool have_gdb() {
    return ::access("/usr/bin/gdb", X_OK) == 0;
}

std::string head_of(const std::string& path, size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<size_t>(in.gcount()));
    return s;
}

TEST(DaemonPreserve, CrashedDomainIsKeptDumpedAndReleasedByDestroy) {
    DOMUS_REQUIRE_DAEMON();
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed (scripts/bootstrap installs it)";
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    // The marker is in the guest's command line, which its kernel keeps in its memory.
    const std::string marker = "coremark=DomusPreserve" + std::to_string(::getpid());
    int status = 0;
    auto created = d.json(
        "POST", "/v1/domains?start=true",
        R"({"name":"c1","memory":32,"cmdline":"crash )" + marker + R"(","on_crash":"preserve"})",
        &status);
    ASSERT_EQ(status, 201) << json::serialize(created) << d.log();
    const int64_t pid = pid_of(created.as_object());

    auto v = wait_preserved(d, "c1");
    ASSERT_TRUE(flag(v, "preserved")) << json::serialize(v) << d.log();
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_EQ(pid_of(v), pid) << "the monitor is kept";
    EXPECT_TRUE(process_alive(pid));
    EXPECT_EQ(str(v.at("last_exit").as_object(), "reason"), "crash") << json::serialize(v);
    // Still crashed and preserved a few sampler rounds later: nothing else applies a policy.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    v = d.json("GET", "/v1/domains/c1").as_object();
    EXPECT_EQ(str(v, "state"), "crashed");
    EXPECT_TRUE(flag(v, "preserved"));
    EXPECT_TRUE(process_alive(pid));

    auto list = d.cli({"list"});
    EXPECT_NE(list.out.find("crashed+preserved"), std::string::npos) << list.out;

    // dump-core through the CLI: an ELF core gdb opens, with the marker in guest memory and
    // the crashed vCPU's RIP in the kernel (linked at -2 GiB).
    const std::string core = d.dir() + "/c1.core";
    auto dumped = d.cli({"dump-core", "c1", core});
    ASSERT_EQ(dumped.exit_code, 0) << dumped.out << dumped.err << d.log();
    EXPECT_NE(dumped.out.find(core), std::string::npos) << dumped.out;
    struct stat st {};
    ASSERT_EQ(::stat(core.c_str(), &st), 0);
    EXPECT_GT(st.st_size, 32ll << 20);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(head_of(core, 4), std::string(ELFMAG, SELFMAG));
    // gdb's find takes the marker as bytes (a string literal would need a live process).
    std::string bytes;
    for (char c : marker) bytes += ", " + std::to_string(static_cast<unsigned char>(c));
    const std::string gdb =
        gdb_on(core, {"info threads", "p/x $rip", "find /b 0, +0x2000000" + bytes, "x/s $_"});
    EXPECT_NE(gdb.find("LWP 1"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("= 0xffffffff8"), std::string::npos) << gdb;  // RIP in the kernel
    EXPECT_NE(gdb.find("\"" + marker), std::string::npos) << gdb;    // x/s shows the string
    EXPECT_EQ(gdb.find("Pattern not found"), std::string::npos) << gdb;

    // Its monitor still holds its 32 MiB: the host counts them as assigned.
    auto host = d.json("GET", "/v1/host").as_object();
    EXPECT_EQ(num(host, "memory_assigned_mib"), 32) << json::serialize(host);
    EXPECT_EQ(num(host, "domains_running"), 0) << json::serialize(host);

    // A preserved domain cannot start or be deleted: it must be destroyed first.
    auto start = d.json("POST", "/v1/domains/c1/start", "", &status);
    EXPECT_EQ(status, 409);
    const std::string why = json::serialize(start);
    EXPECT_NE(why.find("'c1'"), std::string::npos) << why;
    EXPECT_NE(why.find("preserved"), std::string::npos) << why;
    EXPECT_NE(why.find("destroy it first"), std::string::npos) << why;
    EXPECT_EQ(d.request("DELETE", "/v1/domains/c1").status, 409);
    // Its monitor holds what it was started with: only the live-changeable fields change.
    auto patched = d.json("PATCH", "/v1/domains/c1", R"({"memory":64})", &status);
    EXPECT_EQ(status, 409);
    EXPECT_NE(json::serialize(patched).find("crashed and preserved"), std::string::npos)
        << json::serialize(patched);
    d.json("PATCH", "/v1/domains/c1", R"({"on_crash":"destroy"})", &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(process_alive(pid));

    // destroy releases it: the monitor ends, the domain is stopped, and has no core any more.
    auto destroyed = d.json("POST", "/v1/domains/c1/destroy", "", &status);
    ASSERT_EQ(status, 200) << json::serialize(destroyed);
    EXPECT_EQ(str(destroyed.as_object(), "state"), "stopped");
    EXPECT_FALSE(flag(destroyed.as_object(), "preserved"));
    EXPECT_EQ(pid_of(destroyed.as_object()), 0);
    EXPECT_TRUE(wait_gone(pid)) << "the preserved monitor must end at destroy";
    EXPECT_EQ(str(destroyed.as_object().at("last_exit").as_object(), "reason"), "crash")
        << json::serialize(destroyed);
    EXPECT_EQ(num(d.json("GET", "/v1/host").as_object(), "memory_assigned_mib"), 0);

    const std::string after = d.dir() + "/after.core";
    auto refused = d.cli({"dump-core", "c1", after});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("cannot dump the core of domain 'c1'"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("no monitor"), std::string::npos) << refused.err;
    EXPECT_NE(::access(after.c_str(), F_OK), 0) << "a refused dump leaves no file";
    // Once released it starts again as usual.
    d.json("POST", "/v1/domains/c1/start", "", &status);
    EXPECT_EQ(status, 200);
}

TEST(DaemonPreserve, PoweredOffDomainIsKeptStopped) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto created =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"p1","memory":16,"cmdline":"hello","on_poweroff":"preserve"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(created) << d.log();
    const int64_t pid = pid_of(created.as_object());
    auto v = wait_preserved(d, "p1");
    ASSERT_TRUE(flag(v, "preserved")) << json::serialize(v) << d.log();
    EXPECT_EQ(str(v, "state"), "stopped");
    EXPECT_EQ(pid_of(v), pid);
    EXPECT_TRUE(process_alive(pid));
    EXPECT_EQ(str(v.at("last_exit").as_object(), "reason"), "poweroff") << json::serialize(v);
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("preserved: monitor pid " + std::to_string(pid)), std::string::npos)
        << events;
    // A stopped, preserved domain is destroyed like a live one.
    d.json("POST", "/v1/domains/p1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(wait_gone(pid));
    v = d.json("GET", "/v1/domains/p1").as_object();
    EXPECT_EQ(str(v, "state"), "stopped");
    EXPECT_FALSE(flag(v, "preserved"));
    // Without preserve the same guest's monitor ends at power-off.
    auto plain = d.json("POST", "/v1/domains?start=true",
                        R"({"name":"p2","memory":16,"cmdline":"hello"})", &status);
    ASSERT_EQ(status, 201);
    v = d.wait_state("p2", "stopped");
    EXPECT_FALSE(flag(v, "preserved")) << json::serialize(v);
    EXPECT_EQ(pid_of(v), 0);
}

TEST(DaemonPreserve, RunningDomainIsDumpedWithoutStoppingIt) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto created = d.json("POST", "/v1/domains?start=true",
                          R"({"name":"r1","memory":16,"cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(created) << d.log();
    auto core = d.request("GET", "/v1/domains/r1/core");
    ASSERT_EQ(core.status, 200) << core.body.substr(0, 300) << d.log();
    EXPECT_EQ(core.headers["content-type"], "application/octet-stream");
    ASSERT_GT(core.body.size(), 16u << 20);
    EXPECT_EQ(core.body.substr(0, 4), std::string(ELFMAG, SELFMAG));
    Elf64_Ehdr eh{};
    std::memcpy(&eh, core.body.data(), sizeof eh);
    EXPECT_EQ(eh.e_type, ET_CORE);
    // It runs on: it was paused only while its memory was copied.
    auto v = d.json("GET", "/v1/domains/r1").as_object();
    EXPECT_EQ(str(v, "state"), "running");
    EXPECT_FALSE(flag(v, "preserved"));
    // So does a paused one, which stays paused.
    d.json("POST", "/v1/domains/r1/pause", "", &status);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(d.request("GET", "/v1/domains/r1/core").status, 200);
    v = d.json("GET", "/v1/domains/r1").as_object();
    EXPECT_EQ(str(v, "state"), "paused");
    d.json("POST", "/v1/domains/r1/unpause", "", &status);
    EXPECT_EQ(status, 200);
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("\"core_dumped\""), std::string::npos) << events;
}

TEST(DaemonPreserve, DumpCoreRefusalsAreClear) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string file = d.dir() + "/x.core";
    auto missing = d.cli({"dump-core", "nope", file});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no domain named 'nope'"), std::string::npos) << missing.err;
    EXPECT_NE(::access(file.c_str(), F_OK), 0);
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"idle","memory":16})", &status);
    ASSERT_EQ(status, 201);
    auto r = d.request("GET", "/v1/domains/idle/core");
    EXPECT_EQ(r.status, 409);
    EXPECT_NE(r.body.find("domain 'idle'"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("no monitor"), std::string::npos) << r.body;
    EXPECT_EQ(d.request("GET", "/v1/domains/Domain-0/core").status, 403);
    // An existing file is left as it was by a refused dump.
    std::ofstream(file) << "keep";
    auto refused = d.cli({"dump-core", "idle", file});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(head_of(file, 16), "keep");
}

TEST(DaemonPreserve, RestartedDaemonReadoptsAPreservedDomain) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto created =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"k1","memory":16,"cmdline":"crash","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(created) << d.log();
    const int64_t pid = pid_of(created.as_object());
    ASSERT_TRUE(flag(wait_preserved(d, "k1"), "preserved")) << d.log();

    d.kill9();
    ASSERT_TRUE(process_alive(pid)) << "the preserved monitor outlives the daemon";
    ASSERT_TRUE(d.start()) << d.log();
    auto v = d.json("GET", "/v1/domains/k1").as_object();
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_TRUE(flag(v, "preserved")) << json::serialize(v);
    EXPECT_EQ(pid_of(v), pid);
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("preserved, monitor pid " + std::to_string(pid)), std::string::npos)
        << events;
    EXPECT_EQ(d.request("GET", "/v1/domains/k1/core").status, 200);
    d.json("POST", "/v1/domains/k1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(wait_gone(pid));
}

TEST(DaemonPreserve, AStoppedPreservedMonitorIsKeptAtRestartNotForgotten) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto created =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"s1","memory":16,"cmdline":"crash","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    const int64_t pid = pid_of(created.as_object());
    ASSERT_TRUE(flag(wait_preserved(d, "s1"), "preserved")) << d.log();
    d.kill9();
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
    const bool started = d.start();  // its status request times out: the monitor is kept
    ::kill(static_cast<pid_t>(pid), SIGCONT);
    ASSERT_TRUE(started) << d.log();
    auto v = d.json("GET", "/v1/domains/s1").as_object();
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_TRUE(flag(v, "preserved")) << json::serialize(v);
    EXPECT_EQ(pid_of(v), pid);
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("not answering"), std::string::npos) << events;
    d.json("POST", "/v1/domains/s1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(wait_gone(pid));
}

TEST(DaemonPreserve, EndPreservedWhileTheDaemonIsDownIsAppliedAtRestart) {
    DOMUS_REQUIRE_DAEMON();
    // A sampler that looks once an hour: this daemon does not notice the crash before it is
    // killed, so the restarted one learns of it only from the monitor it re-adopts.
    const std::string conf = ::testing::TempDir() + "/preserve-slow-sampler.conf";
    std::ofstream(conf) << "stats-interval-ms = 3600000\n";
    Daemon d({"--config", conf});
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto created =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"late","memory":16,"cmdline":"crash","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    const int64_t pid = pid_of(created.as_object());
    const int64_t id = num(created.as_object(), "id");
    const std::string log =
        d.state_dir() + "/run/" + std::to_string(id) + "/" + std::to_string(id) + ".log";
    bool preserved = false;
    for (int i = 0; i < 200 && !preserved; ++i) {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        preserved = text.str().find("preserved: crashed") != std::string::npos;
        if (!preserved) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(preserved) << "the monitor did not preserve the crashed domain; log " << log;
    d.kill9();
    ASSERT_TRUE(d.start()) << d.log();
    auto v = d.json("GET", "/v1/domains/late").as_object();
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_TRUE(flag(v, "preserved")) << json::serialize(v);
    EXPECT_EQ(pid_of(v), pid);
    EXPECT_EQ(str(v.at("last_exit").as_object(), "reason"), "crash") << json::serialize(v);
    d.json("POST", "/v1/domains/late/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(wait_gone(pid));
}

}  // namespace
}  // namespace domus::test

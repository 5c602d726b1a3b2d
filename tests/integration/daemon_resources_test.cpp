// Resource control through domusd with real monitors: each domain's monitor in a cgroup of its
// own carrying xl's credit-scheduler settings (cpu_weight, cap, cpus) and its memory/pids
// limits, changed live by PATCH; vcpu-pin; admission by max-domains and host memory. And the
// two measurements issue 10 asks for: a capped CPU-bound domain gets its cap, and two domains
// with weights 256:512 on one busy CPU split it about 1:2 (both measured from the cgroups' own
// CPU accounting, read here, not through the daemon).
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

// The embedded guest's bench workload with an endless CPU-bound loop: it burns its vCPU.
constexpr const char* kSpin = "bench hc_iters=1 cpu_iters=0xffffffffffffff";

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string cgroup_mode(const Daemon& d) {
    const auto host = d.json("GET", "/v1/host");
    return std::string(host.at("cgroups").at("mode").as_string().c_str());
}

#define REQUIRE_CGROUPS(d)                                                            \
    do {                                                                              \
        if (cgroup_mode(d) == "none") {                                               \
            GTEST_SKIP() << "no usable cgroups: "                                     \
                         << json::serialize(d.json("GET", "/v1/host").at("cgroups")); \
        }                                                                             \
    } while (0)

// The directory of `pid`'s cgroup for `controller` (v1), or of its v2 cgroup ("").
std::string cgroup_dir(pid_t pid, const std::string& controller) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(f, line)) {
        const auto a = line.find(':'), b = line.find(':', a + 1);
        const std::string ctls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (controller.empty() && ctls.empty()) return "/sys/fs/cgroup" + path;
        std::stringstream parts(ctls);
        for (std::string c; std::getline(parts, c, ',');) {
            if (c != controller) continue;
            for (const std::string& mount : {"/sys/fs/cgroup/" + ctls, "/sys/fs/cgroup/" + c}) {
                if (::access((mount + path).c_str(), F_OK) == 0) return mount + path;
            }
        }
    }
    return "";
}

// CPU time of `pid`'s cgroup, from the kernel's own accounting.
uint64_t cgroup_cpu_ns(pid_t pid, const std::string& mode) {
    if (mode == "v1") return std::stoull(read_file(cgroup_dir(pid, "cpuacct") + "/cpuacct.usage"));
    const std::string stat = read_file(cgroup_dir(pid, "") + "/cpu.stat");
    const auto pos = stat.find("usage_usec ");
    return pos == std::string::npos ? 0 : std::stoull(stat.substr(pos + 11)) * 1000;
}

// A field of the domain's cpu.stat (nr_periods, nr_throttled: the same names in v1 and v2).
uint64_t cpu_stat_field(pid_t pid, const std::string& mode, const std::string& name) {
    const std::string stat = read_file(cgroup_dir(pid, mode == "v1" ? "cpu" : "") + "/cpu.stat");
    const auto pos = stat.find(name + " ");
    return pos == std::string::npos ? 0 : std::stoull(stat.substr(pos + name.size() + 1));
}

double now_s() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

json::object start_domain(const Daemon& d, const std::string& body) {
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true", body, &status);
    EXPECT_EQ(status, 201) << json::serialize(v) << d.log();
    return v.is_object() ? v.as_object() : json::object{};
}

std::string last_cpu() {
    return std::to_string(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)) - 1);
}

// A daemon config file for the admission tests, removed with the test.
struct ConfigFile {
    std::string path;
    explicit ConfigFile(const std::string& text) {
        char tmpl[] = "/tmp/domusd-resources-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        path = tmpl;
        (void)!::write(fd, text.data(), text.size());
        ::close(fd);
    }
    ~ConfigFile() { ::unlink(path.c_str()); }
};

TEST(DaemonResources, HostSaysWhichCgroupsAreInUse) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const auto host = d.json("GET", "/v1/host").as_object();
    const auto& cg = host.at("cgroups").as_object();
    const std::string mode(cg.at("mode").as_string().c_str());
    EXPECT_TRUE(mode == "v1" || mode == "v2" || mode == "none") << mode;
    EXPECT_EQ(std::string(cg.at("detail").as_string().c_str()).rfind(mode, 0), 0u);
    EXPECT_EQ(num(host, "memory_reserve_mib"), 512);
    EXPECT_EQ(num(host, "max_domains"), 1024);
    auto info = d.cli({"info"});
    EXPECT_NE(info.out.find("domusd cgroups"), std::string::npos) << info.out << info.err;
}

TEST(DaemonResources, SettingsReachTheCgroupAtStartAndLive) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    REQUIRE_CGROUPS(d);
    const std::string mode = cgroup_mode(d), cpu = last_cpu();
    auto dom = start_domain(d, R"({"name":"r1","cmdline":"service","cpu_weight":512,"cap":40,)"
                               R"("cpus":")" +
                                   cpu + R"("})");
    ASSERT_GT(pid_of(dom), 0);
    const auto pid = static_cast<pid_t>(pid_of(dom));
    EXPECT_EQ(num(dom, "cpu_weight"), 512);
    EXPECT_EQ(num(dom, "cap"), 40);
    EXPECT_EQ(str(dom, "cpus"), cpu);
    ASSERT_TRUE(dom.at("cgroup").is_object()) << json::serialize(dom);
    const std::string path(dom.at("cgroup").at("path").as_string().c_str());
    EXPECT_NE(path.find("/domus/"), std::string::npos) << path;
    EXPECT_EQ(json::serialize(dom.at("cgroup").at("vcpu_affinity")), "[\"" + cpu + "\"]");

    // The monitor is in the cgroup the API names, with the settings written.
    if (mode == "v1") {
        EXPECT_EQ(cgroup_dir(pid, "cpu"), path);
        EXPECT_EQ(read_file(path + "/cpu.shares"), "2048");
        EXPECT_EQ(read_file(path + "/cpu.cfs_quota_us"), "40000");
        EXPECT_EQ(read_file(path + "/cpu.cfs_period_us"), "100000");
        EXPECT_EQ(read_file(cgroup_dir(pid, "cpuset") + "/cpuset.cpus"), cpu);
        EXPECT_EQ(read_file(cgroup_dir(pid, "memory") + "/memory.limit_in_bytes"),
                  std::to_string((64ull + 128) << 20));
        EXPECT_EQ(read_file(cgroup_dir(pid, "pids") + "/pids.max"), "1024");
    } else {
        EXPECT_EQ(cgroup_dir(pid, ""), path);
        EXPECT_EQ(read_file(path + "/cpu.weight"), "200");
        EXPECT_EQ(read_file(path + "/cpu.max"), "40000 100000");
        EXPECT_EQ(read_file(path + "/memory.max"), std::to_string((64ull + 128) << 20));
    }

    // Live: PATCH the scheduler fields; memory stays refused while running.
    int status = 0;
    auto patched = d.json("PATCH", "/v1/domains/r1", R"({"cpu_weight":256,"cap":0})", &status);
    ASSERT_EQ(status, 200) << json::serialize(patched);
    EXPECT_EQ(num(patched.as_object(), "cap"), 0);
    if (mode == "v1") {
        EXPECT_EQ(read_file(path + "/cpu.shares"), "1024");
        EXPECT_EQ(read_file(path + "/cpu.cfs_quota_us"), "-1");
    } else {
        EXPECT_EQ(read_file(path + "/cpu.weight"), "100");
        EXPECT_EQ(read_file(path + "/cpu.max"), "max 100000");
    }
    auto refused = d.json("PATCH", "/v1/domains/r1", R"({"memory":128})", &status);
    EXPECT_EQ(status, 409) << json::serialize(refused);
    refused = d.json("PATCH", "/v1/domains/r1", R"({"cpus":"4095"})", &status);
    EXPECT_EQ(status, 400) << json::serialize(refused);
    EXPECT_NE(json::serialize(refused).find("CPU 4095 does not exist"), std::string::npos)
        << json::serialize(refused);
    EXPECT_EQ(num(d.json("GET", "/v1/domains/r1").as_object(), "cpu_weight"), 256);

    // vcpu-pin: inside the domain's cpus only.
    auto pinned =
        d.json("POST", "/v1/domains/r1/vcpu-pin", R"({"vcpu":0,"cpus":")" + cpu + "\"}", &status);
    EXPECT_EQ(status, 200) << json::serialize(pinned);
    if (cpu != "0") {
        auto outside =
            d.json("POST", "/v1/domains/r1/vcpu-pin", R"({"vcpu":0,"cpus":"0"})", &status);
        EXPECT_EQ(status, 400) << json::serialize(outside);
        EXPECT_EQ(str(outside.at("error").as_object(), "field"), "cpus");
    }
    auto no_vcpu = d.json("POST", "/v1/domains/r1/vcpu-pin", R"({"vcpu":3,"cpus":"0"})", &status);
    EXPECT_EQ(status, 400) << json::serialize(no_vcpu);
    EXPECT_EQ(str(no_vcpu.at("error").as_object(), "field"), "vcpu");

    // The CLI: sched-credit shows and sets like xl.
    auto shown = d.cli({"sched-credit"});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("r1"), std::string::npos) << shown.out;
    auto set = d.cli({"sched-credit", "r1", "-w", "300", "-c", "50"});
    EXPECT_EQ(set.exit_code, 0) << set.out << set.err;
    if (mode == "v1") {
        EXPECT_EQ(read_file(path + "/cpu.shares"), "1200");
        EXPECT_EQ(read_file(path + "/cpu.cfs_quota_us"), "50000");
    }
    auto long_list = d.cli({"list", "-l"});
    EXPECT_NE(long_list.out.find("    300   50 " + cpu + "\n"), std::string::npos) << long_list.out;
    auto config = d.cli({"config", "r1"});
    EXPECT_NE(config.out.find("cpu_weight = 300\ncap = 50\ncpus = \"" + cpu + "\"\n"),
              std::string::npos)
        << config.out;
    auto pin_cli = d.cli({"vcpu-pin", "r1", "0", cpu});
    EXPECT_EQ(pin_cli.exit_code, 0) << pin_cli.out << pin_cli.err;

    // The cgroup goes with the monitor.
    d.json("POST", "/v1/domains/r1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " is still there";
    auto after = d.json("GET", "/v1/domains/r1").as_object();
    EXPECT_TRUE(after.at("cgroup").is_null());
    d.json("POST", "/v1/domains/r1/vcpu-pin", R"({"vcpu":0,"cpus":"0"})", &status);
    EXPECT_EQ(status, 409);  // only a running domain's vCPUs
}

TEST(DaemonResources, AReadoptedMonitorKeepsItsCgroup) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    REQUIRE_CGROUPS(d);
    auto dom = start_domain(d, R"({"name":"keep","cmdline":"service","cap":25})");
    ASSERT_TRUE(dom.at("cgroup").is_object()) << json::serialize(dom);
    const std::string path(dom.at("cgroup").at("path").as_string().c_str());
    d.kill9();
    ASSERT_TRUE(d.start()) << d.log();
    auto again = d.wait_state("keep", "running");
    ASSERT_TRUE(again.at("cgroup").is_object()) << json::serialize(again);
    EXPECT_EQ(std::string(again.at("cgroup").at("path").as_string().c_str()), path);
    int status = 0;
    d.json("PATCH", "/v1/domains/keep", R"({"cap":35})", &status);
    EXPECT_EQ(status, 200);
    if (cgroup_mode(d) == "v1") {
        EXPECT_EQ(read_file(path + "/cpu.cfs_quota_us"), "35000");
    }
    d.json("POST", "/v1/domains/keep/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " is still there";
}

TEST(DaemonResources, AdmissionByMaxDomainsAndHostMemory) {
    DOMUS_REQUIRE_DAEMON();
    uint64_t total_mib = 0;
    {
        std::ifstream f("/proc/meminfo");
        std::string key;
        uint64_t kib = 0;
        while (f >> key >> kib) {
            if (key == "MemTotal:") total_mib = kib / 1024;
            f.ignore(100, '\n');
        }
    }
    ASSERT_GT(total_mib, 200u);
    // Room for one 64 MiB domain beside the reserve, not for two.
    ConfigFile cfg("max-domains = 2\nmemory-reserve-mib = " + std::to_string(total_mib - 100) +
                   "\n");
    Daemon d({"--config", cfg.path});
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    start_domain(d, R"({"name":"m1","cmdline":"service"})");
    auto second = d.json("POST", "/v1/domains", R"({"name":"m2","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(second);  // defining it takes no memory
    auto refused = d.json("POST", "/v1/domains/m2/start", "", &status);
    EXPECT_EQ(status, 409) << json::serialize(refused);
    const std::string m = json::serialize(refused);
    EXPECT_NE(m.find("insufficient_capacity"), std::string::npos) << m;
    EXPECT_NE(m.find("memory 64 MiB for 'm2' + 64 MiB assigned to running domains + " +
                     std::to_string(total_mib - 100) + " MiB reserved for the host"),
              std::string::npos)
        << m;
    EXPECT_EQ(str(d.json("GET", "/v1/domains/m2").as_object(), "state"), "stopped");
    auto third = d.json("POST", "/v1/domains", R"({"name":"m3"})", &status);
    EXPECT_EQ(status, 409) << json::serialize(third);
    EXPECT_NE(json::serialize(third).find("max-domains is 2 and 2 domains are defined"),
              std::string::npos)
        << json::serialize(third);
    EXPECT_EQ(d.json("GET", "/v1/domains/m3", "", &status).is_object(), true);
    EXPECT_EQ(status, 404);  // the refusal left nothing
    // Once m1 stops, m2 fits.
    d.json("POST", "/v1/domains/m1/destroy", "", &status);
    d.json("POST", "/v1/domains/m2/start", "", &status);
    EXPECT_EQ(status, 200);
    d.json("POST", "/v1/domains/m2/destroy", "", &status);

    // overcommit lets both run.
    ConfigFile over("overcommit = true\nmemory-reserve-mib = " + std::to_string(total_mib - 100) +
                    "\n");
    Daemon o({"--config", over.path});
    ASSERT_TRUE(o.start()) << o.log();
    start_domain(o, R"({"name":"o1","cmdline":"service"})");
    start_domain(o, R"({"name":"o2","cmdline":"service"})");
    EXPECT_EQ(num(o.json("GET", "/v1/host").as_object(), "domains_running"), 2);
}

// Issue 10: a CPU-bound domain capped at 30% of one CPU gets 30% +- 10 points of it, measured
// from its cgroup's CPU time over 3 s.
TEST(DaemonResources, CappedCpuBoundDomainGetsItsCap) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    REQUIRE_CGROUPS(d);
    const std::string mode = cgroup_mode(d);
    auto dom =
        start_domain(d, std::string(R"({"name":"capped","cap":30,"cmdline":")") + kSpin + "\"}");
    const auto pid = static_cast<pid_t>(pid_of(dom));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // past the boot
    const double t0 = now_s();
    const uint64_t u0 = cgroup_cpu_ns(pid, mode);
    const uint64_t p0 = cpu_stat_field(pid, mode, "nr_periods");
    const uint64_t th0 = cpu_stat_field(pid, mode, "nr_throttled");
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const uint64_t u1 = cgroup_cpu_ns(pid, mode);
    const uint64_t periods = cpu_stat_field(pid, mode, "nr_periods") - p0;
    const uint64_t throttled = cpu_stat_field(pid, mode, "nr_throttled") - th0;
    const double share = static_cast<double>(u1 - u0) * 1e-9 / (now_s() - t0);
    std::printf("capped domain: %.1f%% of one CPU (cap 30), throttled in %llu of %llu periods\n",
                share * 100, static_cast<unsigned long long>(throttled),
                static_cast<unsigned long long>(periods));
    EXPECT_LE(share, 0.40);
    ASSERT_GT(periods, 0u) << "no CFS bandwidth periods: the cap is not applied";
    // The cap holds the domain back (throttled in most periods) and then it gets its cap. On a
    // host too busy to give it even 30% it is not throttled, and its share says nothing about
    // the cap: only the upper bound holds then.
    if (throttled * 2 >= periods) {
        EXPECT_GE(share, 0.20);
    } else {
        std::printf(
            "capped domain: the host was too busy to reach the cap; lower bound not judged\n");
    }
    EXPECT_EQ(str(d.json("GET", "/v1/domains/capped").as_object(), "state"), "running");
}

// Issue 10: two CPU-bound domains on the same single CPU with weights 256 and 512 split it
// about 1:2 (ratio within 1.6..2.4), measured from their cgroups' CPU time over 3 s.
TEST(DaemonResources, WeightsSplitOneBusyCpu) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    REQUIRE_CGROUPS(d);
    const std::string mode = cgroup_mode(d), cpu = last_cpu();
    auto body = [&](const char* name, int weight) {
        return std::string(R"({"name":")") + name + R"(","cpu_weight":)" + std::to_string(weight) +
               R"(,"cpus":")" + cpu + R"(","cmdline":")" + kSpin + "\"}";
    };
    const auto light = static_cast<pid_t>(pid_of(start_domain(d, body("light", 256))));
    const auto heavy = static_cast<pid_t>(pid_of(start_domain(d, body("heavy", 512))));
    ASSERT_GT(light, 0);
    ASSERT_GT(heavy, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const uint64_t l0 = cgroup_cpu_ns(light, mode), h0 = cgroup_cpu_ns(heavy, mode);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const uint64_t l1 = cgroup_cpu_ns(light, mode), h1 = cgroup_cpu_ns(heavy, mode);
    ASSERT_GT(l1, l0);
    const double ratio = static_cast<double>(h1 - h0) / static_cast<double>(l1 - l0);
    std::printf("weights 512:256 on CPU %s: %.2f s : %.2f s, ratio %.2f\n", cpu.c_str(),
                (h1 - h0) * 1e-9, (l1 - l0) * 1e-9, ratio);
    EXPECT_GE(ratio, 1.6);
    EXPECT_LE(ratio, 2.4);
}

}  // namespace
}  // namespace domus::test

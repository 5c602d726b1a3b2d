// CgroupHost on a directory tree laid out like the kernel's cgroup file systems (v1 and v2):
// which version and controllers it picks from mountinfo and /proc/self/cgroup, which files of
// a domain's cgroup get which values, and the refusals. The kernel's own cgroup files appear
// by themselves; here the test makes them (empty) first, so each written value can be read
// back. The real v1 hierarchy is exercised by tests/integration/daemon_resources_test.cpp.
#include "control/cgroup_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "control/cgroup_values.hpp"

namespace domus::control {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Tree {
  public:
    Tree() {
        char tmpl[] = "/tmp/domus-cgroup-test-XXXXXX";
        root_ = ::mkdtemp(tmpl);
    }
    ~Tree() { fs::remove_all(root_); }
    const std::string& root() const { return root_; }
    // Makes `rel` (a file) with `text`, and its directories.
    void file(const std::string& rel, const std::string& text = "") const {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        std::ofstream(root_ + "/" + rel) << text;
    }
    std::string read(const std::string& rel) const {
        std::ifstream f(root_ + "/" + rel);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

  private:
    std::string root_;
};

TEST(CgroupHost, V2TakesTheControllersIntoItsSubtreeAndWritesV2Values) {
    Tree t;
    const std::string base = "cg2/svc";
    t.file(base + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
    for (const char* level : {"", "/domus", "/domus/i1"}) {
        t.file(base + level + "/cgroup.subtree_control");
    }
    for (const char* f : {"cpu.weight", "cpu.max", "cpuset.cpus", "memory.max", "pids.max"}) {
        t.file(base + "/domus/i1/7/" + f);
    }
    const std::string mountinfo =
        "30 25 0:26 / " + t.root() + "/cg2 rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    const CgroupHost h = CgroupHost::detect_from(mountinfo, "0::/svc\n", "i1");
    ASSERT_EQ(h.mode(), CgroupMode::v2) << h.description();
    EXPECT_EQ(h.description(), "v2 (cpu, cpuset, memory, pids)");
    EXPECT_EQ(h.root(), t.root() + "/" + base + "/domus/i1");
    for (const char* level : {"", "/domus", "/domus/i1"}) {
        EXPECT_EQ(t.read(base + level + "/cgroup.subtree_control"), "+cpu +cpuset +memory +pids")
            << level;
    }

    CgroupSettings s;
    s.weight = 512;
    s.cap = 30;
    s.cpus = {1, 2, 3};
    s.memory_bytes = monitor_memory_limit_bytes(64);
    s.pids_max = kMonitorPidsMax;
    auto dirs = h.create(7, s);
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    ASSERT_EQ(dirs->unique(), std::vector<std::string>{t.root() + "/" + base + "/domus/i1/7"});
    const std::string dom = base + "/domus/i1/7/";
    EXPECT_EQ(t.read(dom + "cpu.weight"), "200");
    EXPECT_EQ(t.read(dom + "cpu.max"), "30000 100000");
    EXPECT_EQ(t.read(dom + "cpuset.cpus"), "1-3");
    EXPECT_EQ(t.read(dom + "memory.max"), std::to_string(192ull << 20));
    EXPECT_EQ(t.read(dom + "pids.max"), "1024");

    // Live: back to the defaults (every CPU of the parent is "" in v2).
    ASSERT_TRUE(h.apply_cpu(*dirs, CgroupSettings{}).ok());
    EXPECT_EQ(t.read(dom + "cpu.weight"), "100");
    EXPECT_EQ(t.read(dom + "cpu.max"), "max 100000");
    EXPECT_EQ(t.read(dom + "cpuset.cpus"), "\n");
}

TEST(CgroupHost, V2InACgroupThatCannotDelegateSaysWhy) {
    Tree t;
    t.file("cg2/svc/cgroup.controllers", "cpu memory pids");
    // No cgroup.subtree_control in the daemon's cgroup: the write fails, as the kernel's
    // EBUSY does for a cgroup with processes of its own.
    const CgroupHost h = CgroupHost::detect_from(
        "30 25 0:26 / " + t.root() + "/cg2 rw - cgroup2 cgroup2 rw\n", "0::/svc\n", "i1");
    EXPECT_EQ(h.mode(), CgroupMode::none);
    EXPECT_THAT(h.description(), HasSubstr("start domusd in a cgroup of its own"));
    EXPECT_FALSE(h.create(1, CgroupSettings{}).ok());
}

TEST(CgroupHost, V1UsesEachControllersHierarchyBelowTheDaemonsOwnCgroup) {
    Tree t;
    const std::string cpu = "v1/cpu,cpuacct/domus/i1/7/";
    for (const char* f : {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"}) t.file(cpu + f);
    t.file("v1/cpuset/cpuset.cpus", "0-3\n");
    t.file("v1/cpuset/cpuset.mems", "0\n");
    for (const char* level : {"domus/", "domus/i1/", "domus/i1/7/"}) {
        t.file(std::string("v1/cpuset/") + level + "cpuset.cpus");
        t.file(std::string("v1/cpuset/") + level + "cpuset.mems");
    }
    t.file("v1/memory/sandbox/x/domus/i1/7/memory.limit_in_bytes");
    const std::string r = t.root();
    const std::string mountinfo =
        "26 25 0:23 / " + r + "/v1/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
        "27 25 0:24 / " + r + "/v1/cpuset rw - cgroup cgroup rw,cpuset\n" + "28 25 0:25 / " + r +
        "/v1/memory rw - cgroup cgroup rw,memory\n" + "29 25 0:26 / " + r +
        "/v1/systemd rw - cgroup cgroup rw,name=systemd\n" + "30 25 0:27 / " + r +
        "/unified rw - cgroup2 cgroup2 rw\n";  // empty: no cgroup.controllers
    const CgroupHost h = CgroupHost::detect_from(
        mountinfo, "9:name=systemd:/\n4:memory:/sandbox/x\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n",
        "i1");
    ASSERT_EQ(h.mode(), CgroupMode::v1) << h.description();
    EXPECT_EQ(h.description(), "v1 (cpu, cpuacct, cpuset, memory)");
    EXPECT_FALSE(h.has("pids"));
    // The cpuset levels get their parent's CPUs and memory nodes, as a new v1 cpuset needs.
    EXPECT_EQ(t.read("v1/cpuset/domus/i1/cpuset.cpus"), "0-3");
    EXPECT_EQ(t.read("v1/cpuset/domus/i1/cpuset.mems"), "0");

    CgroupSettings s;
    s.weight = 100;
    s.cap = 250;
    s.memory_bytes = 1 << 30;
    s.pids_max = 1024;  // no pids controller: left out
    auto dirs = h.create(7, s);
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    EXPECT_EQ(dirs->unique().size(), 3u);  // cpu and cpuacct share one directory
    EXPECT_EQ(t.read(cpu + "cpu.shares"), "400");
    EXPECT_EQ(t.read(cpu + "cpu.cfs_period_us"), "100000");
    EXPECT_EQ(t.read(cpu + "cpu.cfs_quota_us"), "250000");
    EXPECT_EQ(t.read("v1/cpuset/domus/i1/7/cpuset.cpus"), "0-3");  // every CPU: the parent's
    EXPECT_EQ(t.read("v1/cpuset/domus/i1/7/cpuset.mems"), "0");
    EXPECT_EQ(t.read("v1/memory/sandbox/x/domus/i1/7/memory.limit_in_bytes"), "1073741824");

    s.cap = 0;
    s.cpus = {2};
    ASSERT_TRUE(h.apply_cpu(*dirs, s).ok());
    EXPECT_EQ(t.read(cpu + "cpu.cfs_quota_us"), "-1");
    EXPECT_EQ(t.read("v1/cpuset/domus/i1/7/cpuset.cpus"), "2");
}

TEST(CgroupHost, NoCpuControllerAnywhereMeansNoneAndSettingsAreRefusedByName) {
    const CgroupHost h = CgroupHost::detect_from(
        "28 25 0:25 / /nonexistent/memory rw - cgroup cgroup rw,memory\n", "4:memory:/\n", "i1");
    EXPECT_EQ(h.mode(), CgroupMode::none);
    EXPECT_THAT(h.description(), HasSubstr("none: no cgroup v2 hierarchy with the cpu controller"));
    EXPECT_FALSE(h.unsupported(CgroupSettings{}, false).has_value());  // the defaults need none
    CgroupSettings s;
    s.cap = 10;
    EXPECT_THAT(h.unsupported(s, false).value_or(""), HasSubstr("cap cannot be applied"));
    s = CgroupSettings{};
    s.weight = 512;
    EXPECT_THAT(h.unsupported(s, false).value_or(""), HasSubstr("cpu_weight cannot be applied"));
    EXPECT_THAT(h.unsupported(CgroupSettings{}, true).value_or(""),
                HasSubstr("cpus cannot be applied"));
    EXPECT_FALSE(CgroupHost::detect_from("", "garbage", "i1").mode() != CgroupMode::none);
}

}  // namespace
}  // namespace domus::control

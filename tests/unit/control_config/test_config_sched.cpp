// Resource control: xl's cpu_weight, cap and cpus keys, their JSON fields, the cgroup values
// they become, and the kernel texts (mountinfo, /proc/PID/cgroup) the daemon reads.
#include <string>

#include "config_test_util.hpp"
#include "control/cgroup_values.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

TEST(ConfigSched, Defaults) {
    const DomainConfig c = xl_ok("name = \"a\"\n");
    EXPECT_EQ(c.cpu_weight, 256u);
    EXPECT_EQ(c.cap, 0u);
    EXPECT_EQ(c.cpus, "");
}

TEST(ConfigSched, XlKeys) {
    const DomainConfig c = xl_ok("name = \"a\"\ncpu_weight = 512\ncap = 30\ncpus = \"0-1,^0\"\n");
    EXPECT_EQ(c.cpu_weight, 512u);
    EXPECT_EQ(c.cap, 30u);
    EXPECT_EQ(c.cpus, "0-1,^0");
}

TEST(ConfigSched, JsonFieldsRoundTrip) {
    const DomainConfig c =
        json_ok(R"({"name": "a", "cpu_weight": 65535, "cap": 6400, "cpus": "all"})");
    EXPECT_EQ(c.cpu_weight, 65535u);
    EXPECT_EQ(c.cap, 6400u);
    EXPECT_EQ(c.cpus, "all");
    const DomainConfig back = json_ok(config_to_json(c));
    EXPECT_EQ(back.cpu_weight, 65535u);
    EXPECT_EQ(back.cap, 6400u);
    EXPECT_EQ(back.cpus, "all");
    EXPECT_EQ(json_ok(R"({"name": "a", "cpus": null})").cpus, "");
    EXPECT_THAT(config_to_json(json_ok(R"({"name": "a"})")), HasSubstr("\"cpus\":null"));
}

TEST(ConfigSched, HostileValuesAreRefusedByName) {
    struct Case {
        const char* text;
        const char* field;
        const char* says;
    };
    const Case cases[] = {
        {"cpu_weight = 0", "cpu_weight", "too small (at least 1)"},
        {"cpu_weight = 65536", "cpu_weight", "exceeds the limit of 65535"},
        {"cpu_weight = -5", "cpu_weight", "too small"},
        {"cpu_weight = 99999999999999999999999", "cpu_weight", "exceeds"},
        {"cpu_weight = \"256\"", "cpu_weight", "must be an integer"},
        {"cap = 6401", "cap", "6401% exceeds the limit of 6400%"},
        {"cap = 1.5", "", "invalid number \"1.5\" for \"cap\""},
        {"cpus = \"\"", "cpus", "is empty"},
        {"cpus = \"3-1\"", "cpus", "runs backwards"},
        {"cpus = \"^1\"", "cpus", "selects no CPU"},
        {"cpus = \"1,,2\"", "cpus", "empty item"},
        {"cpus = \"-1\"", "cpus", "is not a CPU number"},
        {"cpus = \"01\"", "cpus", "is not a CPU number"},
        {"cpus = \"0x1\"", "cpus", "is not a CPU number"},
        {"cpus = \"4096\"", "cpus", "CPU 4096 does not exist"},
        {"cpus = \"nodes:0\"", "cpus", "NUMA node"},
        {"cpus = [\"0\", \"1\"]", "cpus", "per-vCPU pinning"},
        {"cpus = \"1\\x00\"", "cpus", ""},
        {"cpus = 3", "cpus", "must be a string"},
    };
    for (const auto& c : cases) {
        const ConfigError e = xl_error(std::string("name = \"a\"\n") + c.text + "\n");
        EXPECT_EQ(e.field, c.field) << c.text << ": " << e.message;
        EXPECT_THAT(e.message, HasSubstr(c.says)) << c.text;
    }
    const ConfigError j = json_error(R"({"name": "a", "cpus": ["0"]})");
    EXPECT_EQ(j.field, "cpus");
}

TEST(ConfigSched, PatchSetsOnlyWhatItNames) {
    const DomainConfigPatch p = patch_ok(R"({"cap": 50})");
    EXPECT_FALSE(p.cpu_weight.has_value());
    ASSERT_TRUE(p.cap.has_value());
    EXPECT_EQ(*p.cap, 50u);
    EXPECT_EQ(p.present_fields(), std::vector<std::string>{"cap"});
    DomainConfig base;
    base.name = "a";
    base.cpu_weight = 300;
    auto merged = apply_patch(base, p);
    ASSERT_TRUE(merged.ok());
    EXPECT_EQ(merged.value->cpu_weight, 300u);
    EXPECT_EQ(merged.value->cap, 50u);
}

TEST(CpuList, XlSyntax) {
    auto all = parse_cpu_list("all", 4);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(*all, (std::vector<uint32_t>{0, 1, 2, 3}));
    auto minus = parse_cpu_list("all,^1", 4);
    ASSERT_TRUE(minus.ok());
    EXPECT_EQ(*minus, (std::vector<uint32_t>{0, 2, 3}));
    auto mixed = parse_cpu_list(" 0-1 , 3 ", 4);
    ASSERT_TRUE(mixed.ok());
    EXPECT_EQ(*mixed, (std::vector<uint32_t>{0, 1, 3}));
    auto readd = parse_cpu_list("0-3,^1-2,2", 4);  // read left to right
    ASSERT_TRUE(readd.ok());
    EXPECT_EQ(*readd, (std::vector<uint32_t>{0, 2, 3}));
    auto none = parse_cpu_list("^1", 4);
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, HasSubstr("selects no CPU"));
    auto missing = parse_cpu_list("0-4", 2);
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message,
                HasSubstr("CPU 4 does not exist (the host has 2 CPUs: 0-1)"));
    for (const char* bad : {",", "1-", "-", "1--2", "^", "a", "1 2", "99999999", "\xff"}) {
        EXPECT_FALSE(parse_cpu_list(bad, 8).ok()) << bad;
    }
    EXPECT_FALSE(parse_cpu_list(std::string(2000, '1'), 8).ok());
    // Found by fuzz_config_xl: escaped control bytes kept a message within a few hundred bytes.
    const std::string esc(60, '\x1b');
    auto long_item = parse_cpu_list(esc + "0-3,^1", 8);
    ASSERT_FALSE(long_item.ok());
    EXPECT_LT(long_item.error().message.size(), 300u) << long_item.error().message;
    EXPECT_THAT(long_item.error().message, HasSubstr("\\x1b\\x1b"));
    EXPECT_THAT(long_item.error().message, HasSubstr("\"..."));
}

TEST(CpuList, Format) {
    EXPECT_EQ(format_cpu_list({0, 1, 2, 5}), "0-2,5");
    EXPECT_EQ(format_cpu_list({1}), "1");
    EXPECT_EQ(format_cpu_list({0, 2, 4, 5}), "0,2,4-5");
    EXPECT_EQ(format_cpu_list({}), "");
}

TEST(CgroupValues, WeightCapMemory) {
    EXPECT_EQ(v1_cpu_shares(256), 1024u);
    EXPECT_EQ(v1_cpu_shares(512), 2048u);
    EXPECT_EQ(v1_cpu_shares(1), 4u);
    EXPECT_EQ(v1_cpu_shares(65535), 262140u);
    EXPECT_EQ(v1_cpu_shares(0), 4u);  // clamped, never 0 (the kernel's minimum is 2)
    EXPECT_EQ(v2_cpu_weight(256), 100u);
    EXPECT_EQ(v2_cpu_weight(512), 200u);
    EXPECT_EQ(v2_cpu_weight(1), 1u);
    EXPECT_EQ(v2_cpu_weight(65535), 10000u);
    EXPECT_FALSE(cap_quota_us(0).has_value());
    EXPECT_EQ(*cap_quota_us(30), 30000u);
    EXPECT_EQ(*cap_quota_us(250), 250000u);
    EXPECT_EQ(*cap_quota_us(100000), 6400000u);  // clamped to kMaxCap
    EXPECT_EQ(v2_cpu_max(0), "max 100000");
    EXPECT_EQ(v2_cpu_max(30), "30000 100000");
    EXPECT_EQ(monitor_memory_limit_bytes(64), (64ull + kMonitorOverheadMib) << 20);
}

TEST(CgroupText, MountinfoV1AndV2) {
    const char* text =
        "25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
        "26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
        "27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "28 25 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "29 25 0:26 /sub /sys/fs/my\\040cg rw - cgroup2 cgroup2 rw,nsdelegate\n"
        "30 25 0:27 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
        "garbage line without separator\n"
        "31 25 0:28 / - cgroup cgroup rw,memory\n"
        "\n";
    const auto m = parse_mountinfo(text);
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0].mount_point, "/sys/fs/cgroup/cpu");
    EXPECT_EQ(m[0].controllers, std::vector<std::string>{"cpu"});
    EXPECT_EQ(m[1].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
    EXPECT_TRUE(m[2].v2);
    EXPECT_EQ(m[2].mount_point, "/sys/fs/my cg");
    EXPECT_EQ(m[2].root, "/sub");
    EXPECT_TRUE(parse_mountinfo("").empty());
    EXPECT_TRUE(parse_mountinfo(std::string(5000, ' ') + " - cgroup2 x y").empty());
}

TEST(CgroupText, ProcCgroup) {
    const auto p = parse_proc_cgroup(
        "9:name=systemd:/\n4:memory:/process_api/5f\n2:cpu,cpuacct:/a/b\n0::/user.slice\n");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->at("memory"), "/process_api/5f");
    EXPECT_EQ(p->at("cpu"), "/a/b");
    EXPECT_EQ(p->at("cpuacct"), "/a/b");
    EXPECT_EQ(p->at(""), "/user.slice");
    EXPECT_FALSE(p->contains("name=systemd"));
    for (const char* bad : {"x:cpu:/a\n", "1:cpu\n", "1:cpu:relative\n", "1::/a\n", "1:cpu,:/a\n",
                            ":cpu:/a\n", "1:cpu:\n"}) {
        EXPECT_FALSE(parse_proc_cgroup(bad).has_value()) << bad;
    }
    EXPECT_EQ(split_words("cpu memory\tpids\n"),
              (std::vector<std::string>{"cpu", "memory", "pids"}));
}

}  // namespace
}  // namespace domus::control

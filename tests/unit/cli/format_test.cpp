// What `domus list`, `events`, `config` and `info` print: exact, stable text.
#include "cli/format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "control/domain_config.hpp"

namespace domus::cli {
namespace {

namespace json = boost::json;

json::object obj(const char* text) {
    return json::parse(text).as_object();
}

TEST(ListFormat, HeaderIsExactlyXls) {
    EXPECT_STREQ(kListHeader,
                 "Name                                        ID   Mem VCPUs\tState\tTime(s)");
}

TEST(ListFormat, RowsAlignLikeXl) {
    auto d0 = obj(R"({"name":"Domain-0","id":0,"state":"running","memory":24000,"vcpus":2,
                     "stats":{"vcpu_time_ns":12345000000}})");
    // xl: "%-40s %5d %5lu %5d     <6 state chars>  %8.1f"; our state word is padded to 7.
    EXPECT_EQ(format_list_row(d0),
              "Domain-0                                     0 24000     2     running     12.3");
    auto web = obj(R"({"name":"web1","id":3,"state":"paused","memory":64,"vcpus":1,
                      "stats":{"vcpu_time_ns":1200000}})");
    EXPECT_EQ(format_list_row(web),
              "web1                                         3    64     1     paused       0.0");
    // Time(s) ends in the same column as the header's "Time(s)" on an 8-column tab terminal.
    EXPECT_EQ(format_list_row(web).size(), 79u);
}

TEST(ListFormat, TimeHasOneDecimalRounded) {
    auto d = obj(R"({"name":"a","id":1,"state":"running","memory":4,"vcpus":1,
                    "stats":{"vcpu_time_ns":1960000000}})");
    EXPECT_NE(format_list_row(d).find("     2.0"), std::string::npos) << format_list_row(d);
}

TEST(ListFormat, StoppedDomainWithoutIdOrStats) {
    auto d = obj(R"({"name":"db","id":null,"state":"stopped","memory":128,"vcpus":4,
                    "stats":null})");
    EXPECT_EQ(format_list_row(d),
              "db                                           -   128     4     stopped      0.0");
}

TEST(ListFormat, LongStateWordPushesOnlyItsRow) {
    auto d = obj(R"({"name":"x","id":7,"state":"shutting-down","memory":64,"vcpus":1})");
    EXPECT_EQ(
        format_list_row(d),
        "x                                            7    64     1     shutting-down      0.0");
}

TEST(ListFormat, PreservedDomainSaysSoInItsStateWord) {
    auto d = obj(R"({"name":"x","id":7,"state":"crashed","preserved":true,"memory":64,
                    "vcpus":1})");
    EXPECT_EQ(format_list_row(d),
              "x                                            7    64     1     crashed+preserved    "
              "  0.0");
    auto not_kept = obj(R"({"name":"x","id":7,"state":"crashed","preserved":false,"memory":64,
                           "vcpus":1})");
    EXPECT_EQ(format_list_row(not_kept).find("preserved"), std::string::npos);
    auto mistyped = obj(R"({"name":"x","id":7,"state":"stopped","preserved":"yes"})");
    EXPECT_EQ(format_list_row(mistyped).find("preserved"), std::string::npos);
}

TEST(ListFormat, MissingAndMistypedFieldsPrintDash) {
    auto d = obj(R"({"name":5,"memory":"lots"})");
    EXPECT_EQ(format_list_row(d),
              "-                                            -     -     -     -            0.0");
}

TEST(ListFormat, WholeTable) {
    auto domains = json::parse(R"([{"name":"Domain-0","id":0,"state":"running","memory":1024,
        "vcpus":2},{"name":"web1","id":3,"state":"crashed","memory":64,"vcpus":1},7])")
                       .as_array();
    const std::string out = format_list(domains);
    EXPECT_EQ(out,
              std::string(kListHeader) + "\n" +
                  "Domain-0                                     0  1024     2     running      "
                  "0.0\n"
                  "web1                                         3    64     1     crashed      "
                  "0.0\n");
}

TEST(TimeFormat, Iso8601Utc) {
    EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_iso8601(1796000000123), "2026-11-30T00:53:20.123Z");
    EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
}

TEST(EventFormat, OneLine) {
    EXPECT_EQ(format_event(obj(R"({"id":7,"time":1796000000000,"domain":"web1",
                                   "type":"started","detail":""})")),
              "2026-11-30T00:53:20.000Z web1 started");
    EXPECT_EQ(format_event(obj(R"({"id":8,"time":1796000000500,"domain":"web1",
                                   "type":"crashed","detail":"guest reported a crash"})")),
              "2026-11-30T00:53:20.500Z web1 crashed guest reported a crash");
    EXPECT_EQ(format_event(obj(R"({"id":9,"domain":"","type":"daemon-started"})")),
              "- - daemon-started");
}

TEST(ConfigFormat, XlCfgRoundTripsFields) {
    auto d = obj(R"({"name":"web1","id":3,"state":"running","memory":64,"vcpus":2,
        "kernel":null,"cmdline":"say \"hi\"","on_poweroff":"destroy","on_reboot":"restart",
        "on_crash":"preserve","stats":{}})");
    EXPECT_EQ(format_config_xl(d),
              "name = \"web1\"\nmemory = 64\nvcpus = 2\ncmdline = 'say \"hi\"'\n"
              "on_poweroff = \"destroy\"\non_reboot = \"restart\"\non_crash = \"preserve\"\n");
    EXPECT_EQ(format_config_json(d),
              R"({"name":"web1","memory":64,"vcpus":2,"kernel":null,"cmdline":"say \"hi\"",)"
              R"("on_poweroff":"destroy","on_reboot":"restart","on_crash":"preserve"})");
}

TEST(ConfigFormat, DisksInXlAndJson) {
    auto d = obj(R"({"name":"web","memory":64,"vcpus":1,"kernel":null,"cmdline":"",
        "on_poweroff":"destroy","on_reboot":"restart","on_crash":"destroy",
        "disks":[{"path":"root.img","vdev":"xvda","guest":"vda","read_only":false,
                  "bytes_per_sec":0,"ops_per_sec":0},
                 {"path":"/srv/images/it's.img","vdev":null,"guest":"vdb","read_only":true,
                  "bytes_per_sec":1024,"ops_per_sec":0}]})");
    EXPECT_EQ(format_disks_xl(d),
              "disk = [ \"format=raw, vdev=xvda, access=rw, target=root.img\",\n"
              "         \"format=raw, vdev=vdb, access=ro, target=/srv/images/it's.img\" ]\n"
              "# vdb: bytes_per_sec 1024, ops_per_sec 0 (no xl.cfg parameter: set them in JSON)\n");
    EXPECT_NE(format_config_xl(d).find("on_crash = \"destroy\"\ndisk = [ "), std::string::npos);
    EXPECT_EQ(format_config_json(d),
              R"({"name":"web","memory":64,"vcpus":1,"kernel":null,"cmdline":"",)"
              R"("on_poweroff":"destroy","on_reboot":"restart","on_crash":"destroy",)"
              R"("disks":[{"path":"root.img","vdev":"xvda","read_only":false,)"
              R"("bytes_per_sec":0,"ops_per_sec":0},{"path":"/srv/images/it's.img","vdev":null,)"
              R"("read_only":true,"bytes_per_sec":1024,"ops_per_sec":0}]})");
    d["disks"] = json::array();
    EXPECT_EQ(format_disks_xl(d), "");
    d["disks"] = "junk";  // a mistyped field prints nothing rather than failing
    EXPECT_EQ(format_disks_xl(d), "");
}

TEST(ConfigFormat, RamdiskIsShownWhenSet) {
    auto d = obj(R"({"name":"bb","memory":128,"vcpus":1,"kernel":null,
        "ramdisk":"/srv/rd.cpio.gz","cmdline":"init=/bin/sh","on_poweroff":"destroy",
        "on_reboot":"restart","on_crash":"destroy"})");
    EXPECT_EQ(format_config_xl(d),
              "name = \"bb\"\nmemory = 128\nvcpus = 1\nramdisk = \"/srv/rd.cpio.gz\"\n"
              "cmdline = \"init=/bin/sh\"\non_poweroff = \"destroy\"\non_reboot = \"restart\"\n"
              "on_crash = \"destroy\"\n");
    EXPECT_EQ(format_config_json(d),
              R"({"name":"bb","memory":128,"vcpus":1,"kernel":null,"ramdisk":"/srv/rd.cpio.gz",)"
              R"("cmdline":"init=/bin/sh","on_poweroff":"destroy","on_reboot":"restart",)"
              R"("on_crash":"destroy"})");
    d["ramdisk"] = nullptr;  // none: left out of xl.cfg, null in JSON
    EXPECT_EQ(format_config_xl(d).find("ramdisk"), std::string::npos);
    EXPECT_NE(format_config_json(d).find(R"("ramdisk":null)"), std::string::npos);
}

TEST(ConfigFormat, ExecInXlReadsBackAsItselfAndJsonKeepsIt) {
    auto d = obj(R"({"name":"run","memory":64,"vcpus":1,"kernel":null,"ramdisk":null,
        "cmdline":"","on_poweroff":"destroy","on_reboot":"restart","on_crash":"destroy",
        "exec":{"program":"bin/hello","args":["a","it's \"b\"","back\\slash","two\nlines",""],
                "with_busybox":true,"overlay":"/srv/images/site"}})");
    const std::string xl = format_config_xl(d);
    EXPECT_NE(xl.find("exec = \"bin/hello\"\nexec_args = [ \"a\", \"it's \\\"b\\\"\", "),
              std::string::npos)
        << xl;
    EXPECT_NE(xl.find("exec_busybox = 1\nexec_overlay = \"/srv/images/site\"\n"), std::string::npos)
        << xl;
    auto back = control::parse_config_xl(xl);
    ASSERT_TRUE(back.ok()) << back.error.message << "\n" << xl;
    EXPECT_EQ(back.value->exec,
              (control::ExecConfig{"bin/hello",
                                   {"a", "it's \"b\"", "back\\slash", "two\nlines", ""},
                                   true,
                                   "/srv/images/site"}));
    EXPECT_NE(format_config_json(d).find(R"("exec":{"program":"bin/hello","args":["a",)"),
              std::string::npos);
    d["exec"] = nullptr;  // none: left out of xl.cfg, null in JSON
    EXPECT_EQ(format_config_xl(d).find("exec"), std::string::npos);
    EXPECT_NE(format_config_json(d).find(R"("exec":null)"), std::string::npos);
}

TEST(HostFormat, Lines) {
    auto h = obj(R"({"backend":"PVM","cpus":2,"memory_total_mib":24000,
        "memory_available_mib":20000,"memory_assigned_mib":128,"max_vcpus_per_domain":64,
        "domains_total":3,"domains_running":2,"version":"0.2.0"})");
    EXPECT_EQ(format_host(h, "/run/domus/domusd.sock"),
              "domusd            : 0.2.0 at /run/domus/domusd.sock\n"
              "domusd backend    : PVM\n"
              "domusd CPUs       : 2\n"
              "domusd memory     : 24000 MiB total, 20000 MiB available, 128 MiB assigned\n"
              "domusd max vCPUs  : 64 per domain\n"
              "domusd domains    : 3 (2 running)\n");
}

TEST(HostFormat, CgroupsAndAdmission) {
    auto h = obj(R"({"version":"0.2.0","cgroups":{"mode":"none","controllers":[],
        "detail":"none: no cgroup v1 cpu mount"},"memory_reserve_mib":512,"overcommit":false,
        "max_domains":1024})");
    const std::string out = format_host(h, "/s");
    EXPECT_NE(out.find("domusd cgroups    : none: no cgroup v1 cpu mount\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("domusd admission  : at most 1024 domains; 512 MiB reserved for the host, "
                       "over-commit off\n"),
              std::string::npos)
        << out;
}

TEST(ListFormat, LongAddsWeightCapAndCpus) {
    auto list = json::parse(R"([{"name":"Domain-0","id":0,"memory":100,"vcpus":2,
        "state":"running"},
        {"name":"web","id":3,"memory":64,"vcpus":1,"state":"stopped","cpu_weight":512,"cap":30,
         "cpus":"0-1"},
        {"name":"db","id":4,"memory":64,"vcpus":1,"state":"stopped","cpu_weight":256,"cap":0,
         "cpus":null}])")
                    .as_array();
    const std::string out = format_list_long(list);
    EXPECT_EQ(out.substr(0, out.find('\n')), std::string(kListHeader) + " Weight  Cap CPUs");
    EXPECT_NE(out.find("     0.0      -    - -\n"), std::string::npos) << out;
    EXPECT_NE(out.find("     0.0    512   30 0-1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("     0.0    256    0 all\n"), std::string::npos) << out;
}

TEST(SchedFormat, LikeXlSchedCredit) {
    auto list = json::parse(R"([{"name":"Domain-0","id":0},
        {"name":"web","id":3,"cpu_weight":512,"cap":30},
        {"name":"db","id":4,"cpu_weight":256,"cap":0}])")
                    .as_array();
    EXPECT_EQ(format_sched(list),
              "Name                                ID Weight  Cap\n"
              "web                                  3    512   30\n"
              "db                                   4    256    0\n");
}

TEST(ConfigFormat, SchedulerKeysOnlyWhenNotTheDefault) {
    auto d = obj(R"({"name":"a","memory":64,"vcpus":1,"cpu_weight":256,"cap":0,"cpus":null})");
    const std::string plain = format_config_xl(d);
    EXPECT_EQ(plain.find("cpu_weight"), std::string::npos) << plain;
    EXPECT_EQ(plain.find("cap"), std::string::npos) << plain;
    EXPECT_EQ(plain.find("\ncpus"), std::string::npos) << plain;
    d = obj(R"({"name":"a","memory":64,"vcpus":1,"cpu_weight":512,"cap":20,"cpus":"0-1,^0"})");
    EXPECT_NE(format_config_xl(d).find("cpu_weight = 512\ncap = 20\ncpus = \"0-1,^0\"\n"),
              std::string::npos)
        << format_config_xl(d);
}

}  // namespace
}  // namespace domus::cli

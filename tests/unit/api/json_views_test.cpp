// The JSON shapes of docs/api.md, byte for byte.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "api/json_views.hpp"

namespace domus::api {
namespace {

using boost::json::serialize;

control::DomainView web1() {
    control::DomainView v;
    auto& r = v.record;
    r.id = 3;
    r.config.name = "web1";
    r.config.cmdline = "service";
    r.state = control::DomainState::running;
    r.pid = 12345;
    r.created_at = r.updated_at = r.started_at = 1796000000000;
    r.last_exit = control::ExitInfo{"crash", 6, "guest reported a crash"};
    v.vcpu_time_ns = 1200000;
    v.exits = 42;
    v.hypercalls = 40;
    v.resident_kib = 2100;
    return v;
}

TEST(JsonViews, DomainAsDocumented) {
    EXPECT_EQ(serialize(domain_json(web1())),
              R"({"name":"web1","id":3,"state":"running","preserved":false,"memory":64,"vcpus":1,)"
              R"("kernel":null,"ramdisk":null,"cmdline":"service","on_poweroff":"destroy",)"
              R"("on_reboot":"restart","on_crash":"destroy","disks":[],"nics":[],"cpu_weight":256,)"
              R"("cap":0,"cpus":null,"exec":null,"cgroup":null,"pid":12345,)"
              R"("created_at":1796000000000,)"
              R"("updated_at":1796000000000,"started_at":1796000000000,)"
              R"("last_exit":{"reason":"crash","code":6,"detail":"guest reported a crash"},)"
              R"("restarts":0,"stats":{"vcpu_time_ns":1200000,"exits":42,"hypercalls":40,)"
              R"("resident_kib":2100}})");
}

TEST(JsonViews, DisksWithTheGuestsNames) {
    control::DomainView v = web1();
    v.record.config.disks = {control::DiskConfig{"data.img", "", true, 0, 0},
                             control::DiskConfig{"/srv/i/root.img", "xvda", false, 1048576, 50},
                             control::DiskConfig{"x\xff.img", "hdc", false, 0, 0}};
    EXPECT_EQ(serialize(domain_json(v).at("disks")),
              R"([{"path":"data.img","vdev":null,"guest":"vdb","read_only":true,)"
              R"("bytes_per_sec":0,"ops_per_sec":0},)"
              R"({"path":"/srv/i/root.img","vdev":"xvda","guest":"vda","read_only":false,)"
              R"("bytes_per_sec":1048576,"ops_per_sec":50},)"
              R"({"path":"x\\xff.img","vdev":"hdc","guest":"vdc","read_only":false,)"
              R"("bytes_per_sec":0,"ops_per_sec":0}])");
}

TEST(JsonViews, ExecWithEveryFieldAndBytesOutsideUtf8Escaped) {
    control::DomainView v = web1();
    v.record.config.exec = control::ExecConfig{"bin/hello", {"a b", "", "x\xff"}, true, "site"};
    EXPECT_EQ(serialize(domain_json(v).at("exec")),
              R"({"program":"bin/hello","args":["a b","","x\\xff"],"with_busybox":true,)"
              R"("overlay":"site"})");
    v.record.config.exec.overlay.clear();
    EXPECT_TRUE(domain_json(v).at("exec").at("overlay").is_null());
}

TEST(JsonViews, DomainKernelLastExitAndStates) {
    control::DomainView v = web1();
    v.record.config.kernel = "/boot/guest.elf";
    v.record.config.ramdisk = "/boot/initramfs.cpio.gz";
    v.record.last_exit.reset();
    v.record.state = control::DomainState::shutting_down;
    const auto o = domain_json(v);
    EXPECT_EQ(o.at("kernel").as_string(), "/boot/guest.elf");
    EXPECT_EQ(o.at("ramdisk").as_string(), "/boot/initramfs.cpio.gz");
    EXPECT_TRUE(o.at("last_exit").is_null());
    EXPECT_EQ(o.at("state").as_string(), "shutting-down");
}

TEST(JsonViews, Domain0IsAnOrdinaryDomainObject) {
    control::DomainView v;
    v.is_domain0 = true;
    v.record.config.name = "Domain-0";
    v.record.config.memory = 24000;
    v.record.config.vcpus = 2;
    v.record.state = control::DomainState::running;
    const auto o = domain_json(v);
    EXPECT_EQ(o.at("name").as_string(), "Domain-0");
    EXPECT_EQ(o.at("id").as_int64(), 0);
    EXPECT_EQ(o.at("memory").as_uint64(), 24000u);
    EXPECT_EQ(o.size(), domain_json(web1()).size());
}

TEST(JsonViews, HostAsDocumented) {
    control::HostView h{"PVM",
                        2,
                        24000,
                        20000,
                        128,
                        64,
                        3,
                        2,
                        "0.2.0",
                        control::NetworkView{"domus0", "10.77.0.0/24", "10.77.0.1", true, false},
                        "v1",
                        {"cpu", "pids"},
                        "v1 (cpu, pids)",
                        512,
                        false,
                        1024};
    EXPECT_EQ(serialize(host_json(h)),
              R"({"backend":"PVM","cpus":2,"memory_total_mib":24000,)"
              R"("memory_available_mib":20000,"memory_assigned_mib":128,)"
              R"("max_vcpus_per_domain":64,"domains_total":3,"domains_running":2,)"
              R"("version":"0.2.0","network":{"bridge":"domus0","subnet":"10.77.0.0/24",)"
              R"("gateway":"10.77.0.1","nat":true,"bridge_up":false},)"
              R"x("cgroups":{"mode":"v1","controllers":["cpu","pids"],"detail":"v1 (cpu, pids)"},)x"
              R"("memory_reserve_mib":512,"overcommit":false,"max_domains":1024})");
}

TEST(JsonViews, NicsWithTapBridgeAndGuestCounters) {
    control::DomainView v;
    v.record.config.name = "n";
    v.record.config.nics = {control::NicConfig{"00:16:3e:00:00:01", "10.77.0.2", "", "", 0, 5}};
    v.nics = {control::NicView{"vif3.0", "domus0", true, 1, 2, 3, 4}};
    EXPECT_EQ(serialize(nics_json(v)),
              R"([{"guest":"eth0","mac":"00:16:3e:00:00:01","ip":"10.77.0.2","vifname":null,)"
              R"("rx_bytes_per_sec":0,"tx_bytes_per_sec":5,"tap":"vif3.0","bridge":"domus0",)"
              R"("stats":{"present":true,"rx_bytes":1,"rx_packets":2,"tx_bytes":3,)"
              R"("tx_packets":4}}])");
}

TEST(JsonViews, EventsAndLastId) {
    const control::Event e{7, 1796000000000, "web1", "started", ""};
    EXPECT_EQ(serialize(event_json(e)),
              R"({"id":7,"time":1796000000000,"domain":"web1","type":"started","detail":""})");
    EXPECT_EQ(serialize(events_json({e}, 3)),
              R"({"events":[{"id":7,"time":1796000000000,"domain":"web1","type":"started",)"
              R"("detail":""}],"last_id":7})");
    EXPECT_EQ(serialize(events_json({}, 12)), R"({"events":[],"last_id":12})");
}

TEST(JsonViews, ErrorObject) {
    EXPECT_EQ(serialize(error_json({400, "invalid_field", "memory 0 MiB is too small", "memory"})),
              R"({"error":{"code":"invalid_field","message":"memory 0 MiB is too small",)"
              R"("field":"memory"}})");
    EXPECT_EQ(serialize(error_json({404, "not_found", "no route", ""})),
              R"({"error":{"code":"not_found","message":"no route"}})");
}

TEST(JsonViews, StringsAreAlwaysValidUtf8) {
    EXPECT_EQ(utf8_safe("plain \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"),
              "plain \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80");
    EXPECT_EQ(utf8_safe("a\xA7"
                        "b"),
              "a\\xa7b");
    EXPECT_EQ(utf8_safe("\xC3"), "\\xc3");                    // truncated
    EXPECT_EQ(utf8_safe("\xC0\xAF"), "\\xc0\\xaf");           // overlong
    EXPECT_EQ(utf8_safe("\xED\xA0\x80"), "\\xed\\xa0\\x80");  // surrogate
    const control::ApiError e{400, "bad_request", "unknown \xFF", "ti\xA7"};
    EXPECT_EQ(serialize(error_json(e)),
              R"({"error":{"code":"bad_request","message":"unknown \\xff","field":"ti\\xa7"}})");
    const control::Event ev{1, 2, "w", "crashed", "guest said \xFE"};
    EXPECT_EQ(event_json(ev).at("detail").as_string(), "guest said \\xfe");
}

TEST(JsonViews, SseRecord) {
    const control::Event e{7, 5, "web1", "started", "line\nbreak"};
    EXPECT_EQ(sse_record(e),
              "id: 7\nevent: started\ndata: "
              R"({"id":7,"time":5,"domain":"web1","type":"started","detail":"line\nbreak"})"
              "\n\n");
    const control::Event odd{8, 5, "", "a\nb", ""};
    EXPECT_NE(sse_record(odd).find("event: a b\n"), std::string::npos);
}

}  // namespace
}  // namespace domus::api

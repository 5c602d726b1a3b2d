// Domain 0 networking through a real domusd that runs in a network namespace of its own (with
// its bridge, the TAP devices and the monitors): nothing here touches the machine's real
// interfaces. Checked from inside the namespace with `ip` and `nft` (nsenter --net).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

#define DOMUS_REQUIRE_NETNS(d)                                \
    do {                                                      \
        DOMUS_REQUIRE_DAEMON();                               \
        std::string why;                                      \
        if (!(d).use_private_netns(why)) GTEST_SKIP() << why; \
        ASSERT_TRUE((d).start()) << (d).log();                \
    } while (0)

bool console_has(const Daemon& d, const std::string& name, const std::string& needle,
                 double timeout_s = 20) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
        if (d.request("GET", "/v1/domains/" + name + "/console?tail=200").body.find(needle) !=
            std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

json::object nic(const json::object& domain, size_t i) {
    const auto& nics = domain.at("nics").as_array();
    return i < nics.size() ? nics[i].as_object() : json::object();
}

// `ip -d link show NAME` in the daemon's namespace: "" when there is no such interface.
std::string link(const Daemon& d, const std::string& name) {
    auto r = d.in_netns({"ip", "-d", "link", "show", "dev", name});
    return r.exit_code == 0 ? r.out : "";
}

struct Refusal {
    int status = 0;
    std::string code, message, field;
};

Refusal refusal(const Daemon& d, const std::string& path, const std::string& body) {
    Refusal r;
    auto v = d.json("POST", path, body, &r.status);
    if (v.is_object() && v.as_object().contains("error")) {
        const auto& e = v.as_object().at("error").as_object();
        r.code = str(e, "code");
        r.message = str(e, "message");
        r.field = str(e, "field");
    }
    return r;
}

size_t domain_count(const Daemon& d) {
    return d.json("GET", "/v1/domains").as_object().at("domains").as_array().size();
}

TEST(DaemonNetwork, AVifGetsATapOnTheBridgeAndIpOnTheCommandLine) {
    Daemon d;
    DOMUS_REQUIRE_NETNS(d);
    EXPECT_EQ(link(d, "domus0"), "") << "the bridge is made only when a domain with a NIC starts";
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"net1","cmdline":"service","nics":[{"tx_bytes_per_sec":1000000}]})",
                    &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const json::object n = nic(v.as_object(), 0);
    const std::string tap = "vif" + std::to_string(num(v.as_object(), "id")) + ".0";
    EXPECT_EQ(str(n, "ip"), "10.77.0.2");
    EXPECT_EQ(str(n, "mac").substr(0, 9), "00:16:3e:");
    EXPECT_EQ(str(n, "tap"), tap);
    EXPECT_EQ(str(n, "bridge"), "domus0");
    EXPECT_EQ(str(n, "guest"), "eth0");

    const std::string l = link(d, tap);
    EXPECT_NE(l.find("master domus0"), std::string::npos) << l;
    EXPECT_NE(l.find("tun type tap"), std::string::npos) << l;
    EXPECT_NE(l.find("pi off vnet_hdr on persist on"), std::string::npos) << l;
    EXPECT_NE(l.find(",UP"), std::string::npos) << l;
    const std::string br = d.in_netns({"ip", "-4", "addr", "show", "dev", "domus0"}).out;
    EXPECT_NE(br.find("inet 10.77.0.1/24"), std::string::npos) << br;

    // The guest's command line (the embedded guest prints it) and the monitor's --net.
    EXPECT_TRUE(console_has(d, "net1", "ip=10.77.0.2::10.77.0.1:255.255.255.0:net1:eth0:off"))
        << d.request("GET", "/v1/domains/net1/console?tail=50").body;
    const std::string argv =
        read_proc_file("/proc/" + std::to_string(pid_of(v.as_object())) + "/cmdline");
    EXPECT_NE(argv.find(std::string("--net") + '\0' + "tap=" + tap + ",mac=" + str(n, "mac")),
              std::string::npos);
    EXPECT_NE(argv.find("tx_bps=1000000"), std::string::npos);

    // Host view, the CLI, metrics.
    auto host = d.json("GET", "/v1/host").as_object().at("network").as_object();
    EXPECT_EQ(str(host, "bridge"), "domus0");
    EXPECT_EQ(str(host, "subnet"), "10.77.0.0/24");
    EXPECT_EQ(host.at("bridge_up"), json::value(true));
    EXPECT_EQ(host.at("nat"), json::value(false));
    auto listed = d.cli({"network-list", "net1"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("10.77.0.2"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find(tap), std::string::npos) << listed.out;
    auto cfg = d.cli({"config", "net1"});
    EXPECT_NE(cfg.out.find("vif = [ \"mac=" + str(n, "mac") + ", ip=10.77.0.2"), std::string::npos)
        << cfg.out;
    const std::string metrics = d.request("GET", "/metrics").body;
    EXPECT_NE(metrics.find("domus_domain_net_rx_packets_total{domain=\"net1\",nic=\"eth0\"} "),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("domus_domain_net_tx_bytes_total{domain=\"net1\",nic=\"eth0\"} "),
              std::string::npos);

    d.json("POST", "/v1/domains/net1/destroy", "", &status);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(link(d, tap), "") << "the TAP must go with the domain";
    EXPECT_EQ(
        nic(d.json("GET", "/v1/domains/net1").as_object(), 0).at("stats").as_object().at("present"),
        json::value(false));
}

TEST(DaemonNetwork, DomainsGetDistinctAddressesReleasedOnDelete) {
    Daemon d;
    DOMUS_REQUIRE_NETNS(d);
    int status = 0;
    auto a = d.json("POST", "/v1/domains", R"({"name":"a","nics":[{},{}]})", &status);
    ASSERT_EQ(status, 201) << json::serialize(a);
    auto b = d.json("POST", "/v1/domains", R"({"name":"b","nics":[{}]})", &status);
    ASSERT_EQ(status, 201) << json::serialize(b);
    const std::string ips[] = {str(nic(a.as_object(), 0), "ip"), str(nic(a.as_object(), 1), "ip"),
                               str(nic(b.as_object(), 0), "ip")};
    EXPECT_EQ(ips[0], "10.77.0.2");
    EXPECT_EQ(ips[1], "10.77.0.3");
    EXPECT_EQ(ips[2], "10.77.0.4");
    const std::string macs[] = {str(nic(a.as_object(), 0), "mac"),
                                str(nic(a.as_object(), 1), "mac"),
                                str(nic(b.as_object(), 0), "mac")};
    EXPECT_NE(macs[0], macs[1]);
    EXPECT_NE(macs[0], macs[2]);
    EXPECT_NE(macs[1], macs[2]);
    // Kept across a daemon restart (the state store has them), released by delete.
    d.terminate();
    ASSERT_TRUE(d.start()) << d.log();
    EXPECT_EQ(str(nic(d.json("GET", "/v1/domains/b").as_object(), 0), "ip"), "10.77.0.4");
    EXPECT_EQ(d.request("DELETE", "/v1/domains/a").status, 204);
    auto c = d.json("POST", "/v1/domains", R"({"name":"c","nics":[{}]})", &status);
    ASSERT_EQ(status, 201);
    EXPECT_EQ(str(nic(c.as_object(), 0), "ip"), "10.77.0.2");
    // An explicit address another domain holds, by PATCH too.
    auto r = refusal(d, "/v1/domains", R"({"name":"e","nics":[{"ip":"10.77.0.4"}]})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.field, "nics[0].ip");
    EXPECT_NE(r.message.find("10.77.0.4 is already assigned to another domain"), std::string::npos)
        << r.message;
    auto p =
        d.json("PATCH", "/v1/domains/c", R"({"nics":[{"mac":")" + macs[2] + R"("}]})", &status);
    EXPECT_EQ(status, 400) << json::serialize(p);
    EXPECT_EQ(str(nic(d.json("GET", "/v1/domains/c").as_object(), 0), "ip"), "10.77.0.2");
}

TEST(DaemonNetwork, BadVifsAreRefusedByNameAndChangeNothing) {
    Daemon d;
    DOMUS_REQUIRE_NETNS(d);
    const size_t before = domain_count(d);
    struct Case {
        const char* body;
        const char* field;
        const char* message;
    };
    const Case cases[] = {
        {R"({"name":"x","nics":[{"ip":"10.99.0.2"}]})", "nics[0].ip",
         "10.99.0.2 is outside the subnet 10.77.0.0/24"},
        {R"({"name":"x","nics":[{"ip":"10.77.0.1"}]})", "nics[0].ip", "gateway"},
        {R"({"name":"x","nics":[{"ip":"10.77.0.255"}]})", "nics[0].ip", "broadcast"},
        {R"({"name":"x","nics":[{"bridge":"xenbr0"}]})", "nics[0].bridge",
         "\"xenbr0\" is not a bridge domusd manages"},
        {R"({"name":"x","nics":[{"mac":"01:00:5e:00:00:01"}]})", "nics[0].mac", "multicast"},
        {R"({"name":"x","nics":[{"tap":"t"}]})", "nics[0].tap", "read-only"},
    };
    for (const Case& c : cases) {
        auto r = refusal(d, "/v1/domains?start=true", c.body);
        EXPECT_EQ(r.status, 400) << c.body;
        EXPECT_EQ(r.field, c.field) << c.body;
        EXPECT_NE(r.message.find(c.message), std::string::npos) << r.message;
    }
    const std::string cfg = d.dir() + "/bad.cfg";
    std::ofstream(cfg) << "name = \"x\"\nvif = [ 'bridge=domus0, script=vif-nat' ]\n";
    auto out = d.cli({"create", cfg});
    EXPECT_NE(out.exit_code, 0);
    EXPECT_NE(out.err.find("script= is not supported"), std::string::npos) << out.err;
    EXPECT_EQ(domain_count(d), before);
    EXPECT_EQ(link(d, "domus0"), "") << "a refused request makes no bridge";
}

TEST(DaemonNetwork, ATakenTapNameRefusesTheStartAndLeavesNothing) {
    Daemon d;
    DOMUS_REQUIRE_NETNS(d);
    // Someone else's TAP (persistent, not made by domusd) holds the name.
    ASSERT_EQ(d.in_netns({"ip", "tuntap", "add", "dev", "busy0", "mode", "tap"}).exit_code, 0);
    auto r = refusal(d, "/v1/domains?start=true",
                     R"({"name":"t","cmdline":"service","nics":[{},{"vifname":"busy0"}]})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.field, "nics[1]");
    EXPECT_NE(r.message.find("\"busy0\" is taken"), std::string::npos) << r.message;
    EXPECT_EQ(domain_count(d), 1u);  // Domain-0 only: the definition went too
    EXPECT_TRUE(monitors_under(d.dir()).empty());
    const std::string links = d.in_netns({"ip", "-d", "link", "show"}).out;
    EXPECT_EQ(links.find("vif"), std::string::npos) << "eth0's TAP must be removed: " << links;
    const std::string busy = link(d, "busy0");
    EXPECT_NE(busy.find("tun type tap"), std::string::npos) << busy;
    EXPECT_EQ(busy.find("master"), std::string::npos) << "someone else's interface is left alone";
}

TEST(DaemonNetwork, KillNineKeepsTheTapsAndTheNextDaemonReadoptsThem) {
    Daemon d;
    DOMUS_REQUIRE_NETNS(d);
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"k","cmdline":"service","nics":[{"vifname":"ktap"}]})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t pid = pid_of(v.as_object());
    d.kill9();
    EXPECT_NE(link(d, "ktap").find("master domus0"), std::string::npos);
    ASSERT_TRUE(d.start()) << d.log();
    auto again = d.json("GET", "/v1/domains/k").as_object();
    EXPECT_EQ(str(again, "state"), "running");
    EXPECT_EQ(pid_of(again), pid);
    EXPECT_NE(link(d, "ktap").find("master domus0"), std::string::npos) << "re-adoption keeps it";
    EXPECT_EQ(nic(again, 0).at("stats").as_object().at("present"), json::value(true));

    // The monitor dies while no daemon watches: the next one removes its TAP.
    d.kill9();
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(pid), 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(d.start()) << d.log();
    EXPECT_NE(str(d.json("GET", "/v1/domains/k").as_object(), "state"), "running");
    EXPECT_EQ(link(d, "ktap"), "") << "no leftovers after a crash while the daemon was down";
}

TEST(DaemonNetwork, NatOnInstallsTheMasqueradeTable) {
    Daemon probe;
    DOMUS_REQUIRE_DAEMON();
    if (::access("/usr/sbin/nft", X_OK) != 0) GTEST_SKIP() << "nft (nftables) is not installed";
    const std::string cfg = probe.dir() + "/domusd.conf";
    std::ofstream(cfg) << "subnet = 10.88.0.0/16\nnat = true\n";
    Daemon d({"--config", cfg});
    DOMUS_REQUIRE_NETNS(d);
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"n","cmdline":"service","nics":[{}]})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    EXPECT_EQ(str(nic(v.as_object(), 0), "ip"), "10.88.0.2");
    auto nft = d.in_netns({"nft", "list", "table", "ip", "domus"});
    EXPECT_EQ(nft.exit_code, 0) << nft.err;
    EXPECT_NE(nft.out.find("ip saddr 10.88.0.0/16"), std::string::npos) << nft.out;
    EXPECT_NE(nft.out.find("masquerade"), std::string::npos) << nft.out;
    EXPECT_EQ(d.in_netns({"cat", "/proc/sys/net/ipv4/ip_forward"}).out, "1\n");
    EXPECT_TRUE(console_has(d, "n", "ip=10.88.0.2::10.88.0.1:255.255.0.0:n:eth0:off"));
}

// End to end through the daemon: two domains booted from a busybox ramdisk with a vif each
// take their addresses from the ip= the daemon adds; the host (the bridge's namespace) pings
// one and fetches a page from its httpd, and the other fetches the same page over the bridge.
TEST(DaemonNetwork, DomainsOnTheBridgeAnswerTheHostAndEachOther) {
    Daemon d;
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    DOMUS_REQUIRE_NETNS(d);
    const std::string ramdisk = d.image_dir() + "/net.cpio.gz";  // ramdisks live there
    const std::string script = "set -e; mkdir -p '" + d.image_dir() + "'; cd '" + d.dir() +
                               "'; mkdir -p root/bin; cp /bin/busybox root/bin/; for a in sh echo "
                               "sleep httpd wget mkdir; do ln -sf busybox root/bin/$a; done; (cd "
                               "root && find . | cpio -o -H newc 2>/dev/null) | gzip > '" +
                               ramdisk + "'";
    ASSERT_EQ(run_process({"/bin/sh", "-c", script}, timeout_after(60)).exit_code, 0);
    auto create = [&](const std::string& name, const std::string& cmd) {
        json::object body{{"name", name},
                          {"memory", 128},
                          {"ramdisk", ramdisk},
                          {"cmdline", "init=/bin/sh -- -c '" + cmd + "'"},
                          {"nics", json::array{json::object{}}}};
        int status = 0;
        auto v = d.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
        EXPECT_EQ(status, 201) << json::serialize(v) << d.log();
        return v.is_object() ? str(nic(v.as_object(), 0), "ip") : std::string();
    };
    const std::string web = create(
        "web", "mkdir /www && echo served by web > /www/index.html && httpd -f -p 80 -h /www");
    ASSERT_EQ(web, "10.77.0.2");
    auto ping = d.in_netns({"ping", "-c", "3", "-i", "0.2", "-w", "15", web});
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    auto page = d.in_netns({"curl", "-sf", "--retry", "20", "--retry-connrefused", "--retry-delay",
                            "1", "http://" + web + "/"});
    EXPECT_EQ(page.out, "served by web\n") << page.err;
    const std::string client =
        create("client", "sleep 1; wget -q -O - http://" + web + "/ && echo fetched");
    EXPECT_EQ(client, "10.77.0.3");
    EXPECT_TRUE(console_has(d, "client", "served by web")) << d.log();
    EXPECT_TRUE(console_has(d, "client", "fetched"));
    // The counters moved: the web domain sent its page and its ping replies.
    const auto stats = nic(d.json("GET", "/v1/domains/web").as_object(), 0).at("stats").as_object();
    EXPECT_GT(stats.at("tx_packets").to_number<double>(), 3) << json::serialize(stats);
}

}  // namespace
}  // namespace domus::test

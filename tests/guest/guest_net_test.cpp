// virtio-net in real domains, each test inside a network namespace of its own (netns.hpp):
// a guest kernel driver that breaks every rule (guest/workloads/hostile_net.cpp) against a
// TAP device the test watches with a packet socket, and the refusals before a domain starts
// (a TAP name taken by another domain, an interface that is not a TAP).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "netns.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

#define DOMUS_REQUIRE_NETNS()                            \
    do {                                                 \
        DOMUS_REQUIRE_KVM();                             \
        const std::string netns = enter_private_netns(); \
        if (!netns.empty()) GTEST_SKIP() << netns;       \
    } while (0)

std::string test_frame(const std::string& payload) {
    return std::string("\x00\x16\x3e\x00\x00\x01\x02\x00\x00\x00\x00\x99\x88\xb5", 14) + payload;
}

// Every hostile chain is answered by a reset or by a dropped frame; the monitor stays up, a
// neighbour domain on the same bridge keeps answering, the host sees only the one good frame,
// and frames the host sent while the guest gave no buffers wait in the TAP and arrive once it
// does.
TEST(GuestNet, HostileVirtqueuesAndFramesLeaveTheMonitorTheHostAndOtherDomainsAlone) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    // The hostile domain's TAP and a well-behaved domain's share a bridge with the host.
    ASSERT_EQ(ip_command("link add hbr0 type bridge"), "");
    for (const char* tap : {"hn0", "hg0"}) {
        ASSERT_EQ(make_tap(tap), "");
        ASSERT_EQ(ip_command(std::string("link set ") + tap + " master hbr0"), "");
    }
    ASSERT_EQ(ip_command("addr add 10.0.2.1/24 dev hbr0"), "");
    ASSERT_EQ(ip_command("link set hbr0 up"), "");
    GuestResult neighbour;
    // The well-behaved neighbour lives until the test is done with it: its nc exits when the
    // host connects, after the ping (a fixed lifetime was outlasted by the hostile domain's
    // run on a loaded machine: 6 s, then 20 s under ctest -j2).
    std::thread good([&] {
        GuestOptions o = boot(
            "ip=10.0.2.3::10.0.2.1:255.255.255.0:good:eth0:off init=/bin/sh -- -c "
            "'nc -l -p 7 < /dev/null > /dev/null'",
            1, 128, 150);
        o.nics = {"tap=hg0"};
        neighbour = run_guest(o);
    });
    PacketSocket host("hn0");
    ASSERT_TRUE(host.ok());
    std::atomic<bool> saw_hello{false};
    std::atomic<int> other_frames{0};
    std::thread watcher([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline) {
            const std::string f = host.receive(100, 0x88b5);
            if (f.empty()) continue;
            if (f.find("hostile-net says hello") != std::string::npos) {
                saw_hello = true;
                for (int i = 0; i < 5; ++i)
                    host.send(test_frame("from the host " + std::to_string(i)));
                return;
            }
            ++other_frames;  // a frame the device should have dropped
        }
    });
    const auto r =
        run_domus({"run", "--net", "tap=hn0", "--cmdline", "hostile-net"}, timeout_after(60));
    watcher.join();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* line : {
             "hostile-net: transmit buffer the device may write: needs-reset",
             "hostile-net: transmit descriptor loop: needs-reset",
             "hostile-net: transmit buffer outside RAM: needs-reset",
             "hostile-net: transmit length running over the rings: needs-reset",
             "hostile-net: header shorter than 12 bytes: returned",
             "hostile-net: frame shorter than an Ethernet header: returned",
             "hostile-net: frame longer than 64 KiB: returned",
             "hostile-net: checksum offset outside the frame: returned",
             "hostile-net: segmentation offload never negotiated: returned",
             "hostile-net: receive buffer the device may only read: needs-reset",
             "hostile-net: receive buffer shorter than a header: needs-reset",
             "hostile-net: receive head beyond the queue: needs-reset",
             "hostile-net: good frame after the abuse: returned",
             "hostile-net: frame from the host after a second without buffers: received",
             "hostile-net: 0 unexpected",
         }) {
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
    EXPECT_TRUE(saw_hello);
    EXPECT_EQ(other_frames.load(), 0) << "frames the device should have dropped reached the host";
    // The other domain on the bridge still answers.
    const auto ping = run_process({"/usr/bin/ping", "-c", "2", "-i", "0.2", "-w", "10", "10.0.2.3"},
                                  timeout_after(20));
    const auto bye = run_process({"/bin/sh", "-c",
                                  "for i in $(seq 100); do /bin/busybox nc 10.0.2.3 7 < /dev/null "
                                  "&& exit 0; sleep 0.1; done; exit 1"},
                                 timeout_after(30));
    good.join();
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    EXPECT_EQ(bye.exit_code, 0) << bye.out << bye.err;
    EXPECT_EQ(neighbour.exit_code, 0) << context(neighbour);
}

// The guest's stack configured from ip= answers ARP and ping from the host (iputils' ping).
TEST(GuestNet, PingBothWaysAndOnLoopback) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("pt0", "10.0.0.1/24"), "");
    ProcessResult ping;
    std::thread host([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ping = run_process({"/usr/bin/ping", "-c", "5", "-i", "0.2", "-w", "20", "10.0.0.2"},
                           timeout_after(30));
    });
    // The guest pings too (busybox ping: a raw ICMP socket, SIGALRM from setitimer pacing it):
    // the host, its own loopback, and an address nobody has.
    GuestOptions o = boot(
        "ip=10.0.0.2::10.0.0.1:255.255.255.0:guest:eth0:off init=/bin/sh -- -c 'sleep 1; "
        "ping -c 3 10.0.0.1; ping -c 2 127.0.0.1; ping -c 1 -W 1 10.0.0.9; echo rc=$?'");
    o.nics = {"tap=pt0"};
    const GuestResult g = run_guest(o);
    host.join();
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_NE(g.kernel_text().find("guest: eth0 10.0.0.2/255.255.255.0 via 10.0.0.1"),
              std::string::npos)
        << g.kernel_text();
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    EXPECT_TRUE(contains(g.lines, "3 packets transmitted, 3 packets received, 0% packet loss"))
        << context(g);
    EXPECT_TRUE(contains(g.lines, "2 packets transmitted, 2 packets received, 0% packet loss"))
        << context(g);
    EXPECT_TRUE(contains(g.lines, "1 packets transmitted, 0 packets received, 100% packet loss"))
        << context(g);
    EXPECT_TRUE(contains(g.lines, "rc=1")) << context(g);
    // ping -c 5 -w 20 sends until five replies came: the first may go out before the guest
    // has its address (a slow Debug monitor), so only the replies are counted.
    EXPECT_NE(ping.out.find(" 5 received"), std::string::npos) << ping.out;
}

constexpr const char* kGuestIp = "ip=10.0.0.2::10.0.0.1:255.255.255.0:guest:eth0:off";

// `sh -c script` on the host (busybox's applets by absolute path, curl, wrk ...).
ProcessResult host_sh(const std::string& script, double timeout_s = 60) {
    return run_process({"/bin/sh", "-c", script}, timeout_after(timeout_s));
}

// The guest, with a shell script as init, on the TAP `tap`; the host side runs in `host`
// meanwhile (started first).
GuestResult run_with_host(const std::string& tap, const std::string& script,
                          const std::function<void()>& host, int memory_mib = 256) {
    std::thread h(host);
    GuestOptions o =
        boot(std::string(kGuestIp) + " init=/bin/sh -- -c '" + script + "'", 1, memory_mib, 120);
    o.nics = {"tap=" + tap};
    GuestResult g = run_guest(o);
    h.join();
    return g;
}

std::string first_word(const std::string& s) {
    return s.substr(0, s.find_first_of(" \t\n"));
}

std::string line_starting(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& l : lines) {
        if (l.compare(0, prefix.size(), prefix) == 0) return l;
    }
    return {};
}

// Field `name` of /proc/net/snmp's `table` ("Tcp:") lines as the guest printed them; -1 when
// missing.
long snmp_field(const std::vector<std::string>& lines, const std::string& table,
                const std::string& name) {
    std::vector<std::string> rows;
    for (const auto& l : lines) {
        if (l.rfind(table, 0) == 0) rows.push_back(l);
    }
    if (rows.size() != 2) return -1;
    std::istringstream names(rows[0]), values(rows[1]);
    std::string n, v;
    while (names >> n && values >> v) {
        if (n == name) return std::stol(v);
    }
    return -1;
}

// busybox nc both ways, checksummed by sha256sum on both ends.
TEST(GuestNet, BusyboxNcMovesDataBothWaysIntact) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("nc0", "10.0.0.1/24"), "");
    TempDir dir;
    const std::string up = dir.path() + "/up", down = dir.path() + "/down";
    ASSERT_EQ(host_sh("head -c 3000000 /dev/urandom > " + up).exit_code, 0);
    // busybox nc exits at the first end of file on either side: the listener runs a script
    // that reads the connection to its end (its standard input) into the file.
    const std::string sink = dir.path() + "/sink.sh";
    write_file(sink, "#!/bin/sh\ncat > " + down + "\n");
    ASSERT_EQ(host_sh("chmod +x " + sink).exit_code, 0);
    ProcessResult listener, sender;
    const GuestResult g = run_with_host(
        "nc0",
        "nc -l -p 5000 | sha256sum; dd if=/dev/urandom of=/tmp/b bs=64k count=40 2>/dev/null; "
        "sha256sum /tmp/b; nc 10.0.0.1 5001 < /tmp/b",
        [&] {
            std::thread l([&] { listener = host_sh("/bin/busybox nc -l -p 5001 -e " + sink); });
            sender = host_sh("for i in $(seq 100); do /bin/busybox nc 10.0.0.2 5000 < " + up +
                             " && exit 0; sleep 0.1; done; exit 1");
            l.join();
        });
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(sender.exit_code, 0) << sender.out << sender.err;
    ASSERT_GE(g.lines.size(), 2u) << context(g);
    EXPECT_EQ(first_word(g.lines[0]), first_word(host_sh("sha256sum " + up).out));
    EXPECT_EQ(first_word(g.lines[1]), first_word(host_sh("sha256sum " + down).out));
    EXPECT_EQ(host_sh("stat -c %s " + down).out, "2621440\n");
}

// busybox httpd in the guest serves files to curl on the host, byte for byte.
TEST(GuestNet, BusyboxHttpdServesCurlByteExact) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("hd0", "10.0.0.1/24"), "");
    TempDir dir;
    ProcessResult fetch;
    const GuestResult g = run_with_host(
        "hd0",
        "mkdir /www && cp /bin/busybox /www/bb && dd if=/dev/urandom of=/www/r bs=1k count=700 "
        "2>/dev/null && sha256sum /www/r && httpd -p 80 -h /www && sleep 5; "
        "cat /proc/net/snmp | grep Tcp:",
        [&] {
            fetch = host_sh("for i in $(seq 100); do curl -sf -o " + dir.path() +
                            "/bb http://10.0.0.2/bb && "
                            "break; sleep 0.1; done; curl -sf -o " +
                            dir.path() +
                            "/r http://10.0.0.2/r && "
                            "sha256sum " +
                            dir.path() +
                            "/r && curl -s -o /dev/null -w '%{http_code}\\n' "
                            "http://10.0.0.2/missing && cmp " +
                            dir.path() + "/bb /bin/busybox && echo same");
        });
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(fetch.exit_code, 0) << fetch.out << fetch.err;
    ASSERT_GE(g.lines.size(), 1u) << context(g);
    EXPECT_NE(fetch.out.find(first_word(g.lines[0])), std::string::npos) << fetch.out;
    EXPECT_NE(fetch.out.find("404\n"), std::string::npos) << fetch.out;
    EXPECT_NE(fetch.out.find("same\n"), std::string::npos) << fetch.out;
    EXPECT_NE(line_starting(g.lines, "Tcp:"), "") << context(g);  // /proc/net/snmp
}

// The Go HTTP server in the guest under wrk for two seconds, and a checked download; then the
// Go client and busybox wget in the guest fetch from busybox httpd on the host.
TEST(GuestNet, GoHttpServerUnderWrkAndGoClientAgainstTheHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("go0", "10.0.0.1/24"), "");
    TempDir dir;
    ASSERT_EQ(host_sh("head -c 2000000 /dev/urandom > " + dir.path() + "/f").exit_code, 0);
    const std::string f_sha = first_word(host_sh("sha256sum " + dir.path() + "/f").out);
    // In the foreground, in the background of a shell that reports its pid: it is killed by
    // pid at the end (a pkill by name would hit another test run's httpd on this host).
    ProcessResult httpd = host_sh("/bin/busybox httpd -f -p 10.0.0.1:8000 -h " + dir.path() +
                                  " >/dev/null 2>&1 & echo $!");
    ASSERT_EQ(httpd.exit_code, 0) << httpd.out << httpd.err;
    const std::string httpd_pid = first_word(httpd.out);
    ASSERT_FALSE(httpd_pid.empty());
    ProcessResult load;
    const GuestResult g = run_with_host(
        "go0",
        "gohttp serve 0.0.0.0:8080 & sleep 6; kill $!; gohttp get http://10.0.0.1:8000/f; "
        "wget -q -O - http://10.0.0.1:8000/f | sha256sum",
        [&] {
            load = host_sh(
                "for i in $(seq 100); do curl -sf http://10.0.0.2:8080/hello && break; sleep 0.1; "
                "done; wrk -t2 -c8 -d2s http://10.0.0.2:8080/hello && curl -sf "
                "'http://10.0.0.2:8080/bytes?n=3000000' | sha256sum");
        });
    host_sh("kill " + httpd_pid);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(load.exit_code, 0) << load.out << load.err;
    EXPECT_NE(load.out.find("hello from "), std::string::npos) << load.out;
    EXPECT_NE(load.out.find("Requests/sec:"), std::string::npos) << load.out;
    EXPECT_EQ(load.out.find("Non-2xx"), std::string::npos) << load.out;
    EXPECT_EQ(load.out.find("Socket errors"), std::string::npos) << load.out;
    std::string pattern(3000000, '\0');
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = char(i * 7 + i / 251);
    write_file(dir.path() + "/pattern", pattern);
    const std::string pattern_sha = first_word(host_sh("sha256sum " + dir.path() + "/pattern").out);
    EXPECT_NE(load.out.find(pattern_sha), std::string::npos) << load.out;
    EXPECT_TRUE(contains(g.lines, "status=200 bytes=2000000 sha256=" + f_sha)) << context(g);
    EXPECT_NE(line_starting(g.lines, f_sha), "") << context(g);  // wget | sha256sum
}

// 1 GiB each way between the guest and the host (tcpblob: the same program on both ends, a
// hash of every byte on each side).
TEST(GuestNet, OneGibEachWayArrivesIntact) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("gb0", "10.0.0.1/24"), "");
    const std::string tcpblob = program_path("tcpblob-musl");
    ProcessResult send, recv;
    const GuestResult g = run_with_host(
        "gb0", "tcpblob-musl recv 7000 && tcpblob-musl send 10.0.0.1 7001 1024 77", [&] {
            std::thread r([&] {
                recv = run_process({tcpblob, "recv", "7001"}, timeout_after(100));
            });
            send = run_process({tcpblob, "send", "10.0.0.2", "7000", "1024", "11"},
                               timeout_after(100));
            r.join();
        });
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(send.exit_code, 0) << send.err;
    EXPECT_EQ(recv.exit_code, 0) << recv.err;
    const std::string guest_got = line_starting(g.lines, "bytes=");
    EXPECT_EQ(guest_got + "\n", send.out.substr(send.out.find("bytes=")));
    EXPECT_NE(guest_got.find("bytes=1073741824 "), std::string::npos) << context(g);
    ASSERT_NE(recv.out.find("bytes="), std::string::npos) << recv.out;
    EXPECT_TRUE(contains(g.lines, recv.out.substr(recv.out.find("bytes="),
                                                  recv.out.size() - recv.out.find("bytes=") - 1)))
        << context(g) << recv.out;
}

// Both directions through a link that drops 5% of the frames each way: TCP's retransmission
// (the guest's and the host's) delivers every byte.
TEST(GuestNet, TcpSurvivesFivePercentLossBothWays) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_tap("ls0"), "");
    LossyLink link("ls0", "lh0", 0.05);
    ASSERT_TRUE(link.ok());
    ASSERT_EQ(ip_command("addr add 10.0.0.1/24 dev lh0"), "");
    ASSERT_EQ(ip_command("link set lh0 up"), "");
    const std::string tcpblob = program_path("tcpblob-musl");
    ProcessResult send, recv;
    const GuestResult g = run_with_host(
        "ls0",
        "tcpblob-musl recv 7000 && tcpblob-musl send 10.0.0.1 7001 4 5 && "
        "grep Tcp: /proc/net/snmp",
        [&] {
            std::thread r([&] {
                recv = run_process({tcpblob, "recv", "7001"}, timeout_after(100));
            });
            send = run_process({tcpblob, "send", "10.0.0.2", "7000", "4", "9"}, timeout_after(100));
            r.join();
        });
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(send.exit_code, 0) << send.err;
    EXPECT_EQ(recv.exit_code, 0) << recv.err;
    const std::string guest_got = line_starting(g.lines, "bytes=");
    EXPECT_EQ(guest_got + "\n", send.out.substr(send.out.find("bytes=")));
    ASSERT_NE(recv.out.find("bytes="), std::string::npos) << recv.out;
    EXPECT_NE(recv.out.find("bytes=4194304 "), std::string::npos) << recv.out;
    EXPECT_GT(link.dropped(), 20u);
    // The guest retransmitted too.
    EXPECT_GT(snmp_field(g.lines, "Tcp:", "RetransSegs"), 0) << context(g);
}

// Ethernet + IPv4 + TCP headers of a frame from `src` (MAC ...:src byte) to the guest.
std::string ip_tcp_frame(uint32_t src, uint16_t sport, uint16_t dport, uint8_t flags,
                         const std::string& options, const std::string& payload,
                         bool good_csum = true) {
    std::string f = std::string("\xff\xff\xff\xff\xff\xff", 6);  // the guest's MAC is unknown
    f += std::string("\x02\x00\x00\x00\x00", 5) + char(src & 0xff) + std::string("\x08\x00", 2);
    const size_t tcp_len = 20 + options.size() + payload.size();
    std::string ip(20, '\0');
    ip[0] = 0x45;
    ip[2] = char((20 + tcp_len) >> 8);
    ip[3] = char((20 + tcp_len) & 0xff);
    ip[8] = 64;
    ip[9] = 6;
    for (int i = 0; i < 4; ++i) ip[12 + i] = char(src >> (24 - 8 * i));
    const uint32_t dst = 0x0a000002;
    for (int i = 0; i < 4; ++i) ip[16 + i] = char(dst >> (24 - 8 * i));
    auto csum = [](const std::string& b, uint32_t sum) {
        for (size_t i = 0; i + 1 < b.size(); i += 2) sum += uint8_t(b[i]) << 8 | uint8_t(b[i + 1]);
        if (b.size() % 2) sum += uint8_t(b.back()) << 8;
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        return uint16_t(~sum);
    };
    const uint16_t ipc = csum(ip, 0);
    ip[10] = char(ipc >> 8);
    ip[11] = char(ipc & 0xff);
    std::string tcp(20, '\0');
    tcp[0] = char(sport >> 8);
    tcp[1] = char(sport & 0xff);
    tcp[2] = char(dport >> 8);
    tcp[3] = char(dport & 0xff);
    tcp[4] = char(sport * 7);  // a sequence number
    tcp[12] = char(((20 + options.size()) / 4) << 4);
    tcp[13] = char(flags);
    tcp[14] = char(0xff);
    tcp[15] = char(0xff);
    tcp += options + payload;
    std::string pseudo = ip.substr(12, 8) + std::string("\x00\x06", 2);
    pseudo += char(tcp_len >> 8);
    pseudo += char(tcp_len & 0xff);
    const uint16_t tc = csum(pseudo + tcp, 0) ^ (good_csum ? 0 : 0x5a5a);
    tcp[16] = char(tc >> 8);
    tcp[17] = char(tc & 0xff);
    return f + ip + tcp;
}

// Malformed frames and a SYN flood from the host against a listening guest: the guest's
// kernel stays up, the listener's backlog stays bounded, and afterwards busybox httpd still
// serves a file byte for byte.
TEST(GuestNet, HostileFramesAndASynFloodLeaveTheGuestServing) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_host_tap("hf0", "10.0.0.1/24"), "");
    PacketSocket raw("hf0");
    ASSERT_TRUE(raw.ok());
    TempDir dir;
    ProcessResult fetch;
    int sent = 0;
    const GuestResult g = run_with_host(
        "hf0",
        "mkdir /www && dd if=/dev/urandom of=/www/r bs=1k count=300 2>/dev/null && "
        "sha256sum /www/r && httpd -p 80 -h /www && sleep 7; grep Tcp: /proc/net/snmp",
        [&] {
            host_sh(
                "for i in $(seq 100); do curl -sf -o /dev/null http://10.0.0.2/r && break; "
                "sleep 0.05; done");
            const std::string mss0 = std::string("\x02\x00", 2),
                              bad_len = std::string("\x08\x01", 2),
                              overrun = std::string("\x03\x09\x01", 3) + std::string(1, '\0');
            for (int i = 0; i < 3000; ++i) {
                const uint32_t src = 0x0a000000u | uint32_t(10 + i % 200);
                sent += raw.send(ip_tcp_frame(src, uint16_t(1024 + i), 80, 0x02, "", ""));
                if (i % 10 == 0) {
                    // Absurd options: length 0, length 1, a length running past the header.
                    sent += raw.send(ip_tcp_frame(src, uint16_t(i), 80, 0x02, mss0 + mss0, ""));
                    sent +=
                        raw.send(ip_tcp_frame(src, uint16_t(i), 80, 0x02, bad_len + bad_len, ""));
                    sent += raw.send(ip_tcp_frame(src, uint16_t(i), 80, 0x12, overrun, "x"));
                    // A bad checksum, a truncated header, a fragment, a lying total length.
                    sent += raw.send(ip_tcp_frame(src, 9, 80, 0x18, "", "data", false));
                    std::string f = ip_tcp_frame(src, 9, 80, 0x10, "", "");
                    sent += raw.send(f.substr(0, 30));
                    std::string frag = f;
                    frag[14 + 6] = 0x20;  // more fragments
                    sent += raw.send(frag);
                    std::string liar = f;
                    liar[14 + 2] = char(0xff);
                    sent += raw.send(liar);
                }
            }
            fetch = host_sh("curl -sf -m 10 -o " + dir.path() +
                            "/r http://10.0.0.2/r && sha256sum " + dir.path() + "/r");
        });
    EXPECT_EQ(g.exit_code, 0) << context(g);
    expect_kernel_healthy(g);
    EXPECT_GT(sent, 3000);
    EXPECT_EQ(fetch.exit_code, 0) << fetch.out << fetch.err;
    ASSERT_GE(g.lines.size(), 1u) << context(g);
    EXPECT_NE(fetch.out.find(first_word(g.lines[0])), std::string::npos) << fetch.out;
    EXPECT_GT(snmp_field(g.lines, "Tcp:", "InSegs"), 500)
        << context(g);  // the flood arrived (the TAP drops the rest)
}

// Two domains on one bridge talk TCP to each other.
TEST(GuestNet, TwoDomainsOnABridgeTalkTcp) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(ip_command("link add br0 type bridge"), "");
    for (const char* tap : {"ta0", "tb0"}) {
        ASSERT_EQ(make_tap(tap), "");
        ASSERT_EQ(ip_command(std::string("link set ") + tap + " master br0"), "");
    }
    ASSERT_EQ(ip_command("link set br0 up"), "");
    GuestResult a;
    std::thread first([&] {
        GuestOptions o = boot(
            "ip=10.0.1.2::::a:eth0:off init=/bin/sh -- -c 'tcpblob-musl recv 7000'", 1, 256, 60);
        o.nics = {"tap=ta0"};
        a = run_guest(o);
    });
    GuestOptions o =
        boot("ip=10.0.1.3::::b:eth0:off init=/bin/sh -- -c 'tcpblob-musl send 10.0.1.2 7000 64 5'",
             1, 256, 60);
    o.nics = {"tap=tb0"};
    const GuestResult b = run_guest(o);
    first.join();
    EXPECT_EQ(a.exit_code, 0) << context(a);
    EXPECT_EQ(b.exit_code, 0) << context(b);
    const std::string got = line_starting(a.lines, "bytes=");
    EXPECT_NE(got.find("bytes=67108864 "), std::string::npos) << context(a);
    EXPECT_EQ(got, line_starting(b.lines, "bytes=")) << context(a) << context(b);
}

TEST(GuestNet, ATapInUseOrNotATapRefusesTheDomainByName) {
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_tap("busy0"), "");
    // A running domain holds busy0; a second one is refused before it starts.
    std::thread first_domain([] {
        (void)run_domus({"run", "--net", "tap=busy0", "--cmdline", "hostile-net"},
                        timeout_after(30));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto second = run_domus({"run", "--net", "tap=busy0", "--cmdline", "hello"});
    first_domain.join();
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("eth0: TAP device 'busy0': it is in use by another process"),
              std::string::npos)
        << second.err;
    const auto lo = run_domus({"run", "--net", "tap=lo", "--cmdline", "hello"});
    EXPECT_EQ(lo.exit_code, 1);
    EXPECT_NE(lo.err.find("TAP device 'lo': an interface of that name exists and is not a TAP"),
              std::string::npos)
        << lo.err;
    // No /dev/net/tun (hidden under a tmpfs in a mount namespace of its own): refused by name,
    // and no interface is left behind.
    const auto no_tun =
        run_process({"/usr/bin/unshare", "-m", "/bin/sh", "-c",
                     "mount -t tmpfs none /dev/net && exec " + std::string(DOMUS_BIN) +
                         " run --net tap=nt9 --cmdline hello"},
                    timeout_after(30));
    EXPECT_EQ(no_tun.exit_code, 1) << no_tun.out << no_tun.err;
    EXPECT_NE(no_tun.err.find("TAP device 'nt9': /dev/net/tun does not exist"), std::string::npos)
        << no_tun.err;
    EXPECT_EQ(::if_nametoindex("nt9"), 0u);
    const auto bad =
        run_domus({"run", "--net", "tap=a,mac=01:00:00:00:00:00", "--cmdline", "hello"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("multicast"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace domus::test::guest

// virtio-net and the guest's TCP/IP stack, beside the host in the same run (issue 9,
// "Benchmarks"). Everything happens in a network namespace this benchmark makes (unshare at
// start): a TAP device with the host's address 10.0.0.1 for the domain (10.0.0.2), and for the
// baseline a veth pair whose far end lives in a second namespace (a child process holds it)
// with 10.0.1.2: two host processes talking across veth.
//  - TCP throughput, 1 GiB each way with 1 MiB writes (gb_net: the same static binary in the
//    domain and on the host), guest->host and host->guest, vs gb_net across the veth pair;
//    and iperf3 across the veth pair for reference. Goal >= 2 Gbit/s.
//  - HTTP: wrk (2 threads, 16 connections, 5 s) against gohttp's /hello in the domain vs the
//    same gohttp binary behind the veth pair: requests/s, p50 and p99.
//  - ping round trip (60 pings, 20 ms apart) to the domain vs across the veth pair, and vs the
//    platform floor measured in the same run: raw frames bounced by the guest kernel itself
//    (the net-reflect workload: no stack, no process; its vCPU halts until the device's
//    interrupt), 1000 round trips from a packet socket on the TAP, i.e. TAP + monitor thread +
//    irqfd + ioeventfd and back.
//
//   bench_guest_net [--mib=1024]
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

namespace {

constexpr const char* kGuestIp = "ip=10.0.0.2::10.0.0.1:255.255.255.0:bench:eth0:off";

ChildResult sh(const std::string& script, double timeout_s = 120) {
    return run_child({"/bin/sh", "-c", script}, {}, timeout_s);
}

bool must(const std::string& script) {
    const ChildResult r = sh(script);
    if (r.exit_code != 0) {
        std::fprintf(stderr, "bench_guest_net: %s: %s%s\n", script.c_str(), r.out.c_str(),
                     r.err.c_str());
        return false;
    }
    return true;
}

// A second network namespace held by a child process (killed at the end).
struct PeerNetns {
    pid_t pid = -1;
    std::string enter;  // "nsenter --net=/proc/PID/ns/net "
    ~PeerNetns() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

bool make_peer(PeerNetns& peer) {
    int ready[2];
    if (::pipe(ready) != 0) return false;
    peer.pid = ::fork();
    if (peer.pid == 0) {
        if (::unshare(CLONE_NEWNET) != 0) _exit(1);
        (void)!::write(ready[1], "x", 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char c;
    const bool ok = ::read(ready[0], &c, 1) == 1;
    ::close(ready[0]);
    peer.enter = "nsenter --net=/proc/" + std::to_string(peer.pid) + "/ns/net ";
    return ok;
}

// The number after the first "key=" in `out` (0 when none).
double num_field(const std::string& out, const std::string& key) {
    const size_t at = out.find(key + "=");
    return at == std::string::npos ? 0 : std::atof(out.c_str() + at + key.size() + 1);
}

// wrk's "Requests/sec:" and its --latency percentiles (in ms).
struct Wrk {
    double rps = 0, p50_ms = 0, p99_ms = 0;
};
double wrk_time_ms(const std::string& v) {
    const double x = std::atof(v.c_str());
    if (v.find("us") != std::string::npos) return x / 1000;
    if (v.find("ms") != std::string::npos) return x;
    return x * 1000;  // "s"
}
Wrk parse_wrk(const std::string& out) {
    Wrk w;
    std::smatch m;
    if (std::regex_search(out, m, std::regex("Requests/sec:\\s+([0-9.]+)"))) {
        w.rps = std::atof(m[1].str().c_str());
    }
    if (std::regex_search(out, m, std::regex("\\s50%\\s+([0-9.]+[mu]?s)"))) {
        w.p50_ms = wrk_time_ms(m[1].str());
    }
    if (std::regex_search(out, m, std::regex("\\s99%\\s+([0-9.]+[mu]?s)"))) {
        w.p99_ms = wrk_time_ms(m[1].str());
    }
    return w;
}

// ping's "rtt min/avg/max/mdev = a/b/c/d ms": avg in us.
double ping_avg_us(const std::string& out) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("= ([0-9.]+)/([0-9.]+)/"))) return 0;
    return std::atof(m[2].str().c_str()) * 1000;
}

// Round trips of raw frames (EtherType 0x88b5) through `ifname` to a guest that bounces them,
// `gap_us` apart: the median and p99 in us of `n` after 20 warm-up ones, 0 when nothing came
// back. Sends "stop" at the end when `stop_after`.
std::pair<double, double> reflect_rtts(const std::string& ifname, int n, int gap_us,
                                       bool stop_after) {
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b5));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(0x88b5);
    sll.sll_ifindex = int(::if_nametoindex(ifname.c_str()));
    sll.sll_halen = 6;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) return {0, 0};
    std::string frame(60, '\0');
    for (int i = 0; i < 6; ++i) frame[i] = char(0xff);
    frame.replace(6, 6, "\x02\x00\x00\x00\x00\x42", 6);
    frame[12] = char(0x88);
    frame[13] = char(0xb5);
    std::vector<double> rtts;
    char buf[2048];
    const uint64_t give_up = now_ns() + 20'000'000'000ull;
    for (int i = 0; i < n + 20 && now_ns() < give_up;) {
        frame.replace(14, 8, std::to_string(10000000 + i));
        const uint64_t t0 = now_ns();
        ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
        bool back = false;
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) break;
            sockaddr_ll from{};
            socklen_t len = sizeof from;
            const ssize_t got =
                ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (got >= 22 && from.sll_pkttype != PACKET_OUTGOING &&
                std::string(buf + 14, 8) == frame.substr(14, 8)) {
                back = true;
                break;
            }
        }
        if (!back) continue;  // the guest is not up yet: try again
        if (i >= 20) rtts.push_back(double(now_ns() - t0) / 1000);
        ++i;
        if (gap_us > 0) ::usleep(useconds_t(gap_us));
    }
    if (stop_after) {
        frame.replace(14, 4, "stop");
        ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
    }
    ::close(fd);
    if (rtts.empty()) return {0, 0};
    return {quantile(rtts, 0.5), quantile(rtts, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
    const uint64_t mib = option_u64(argc, argv, "mib", 1024);
    if (!have_kvm()) {
        std::printf("bench_guest_net: skipped (no /dev/kvm)\n");
        return 0;
    }
    if (::access("/dev/net/tun", R_OK | W_OK) != 0 || ::unshare(CLONE_NEWNET) != 0) {
        std::printf(
            "bench_guest_net: skipped (needs root and /dev/net/tun for a network "
            "namespace)\n");
        return 0;
    }
    if (!build_images("bench_guest_net")) return 1;
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1";
    PeerNetns peer;
    if (!make_peer(peer)) return 1;
    const std::string pid = std::to_string(peer.pid);
    if (!must("ip link set lo up && ip tuntap add dev bn0 mode tap vnet_hdr && "
              "ip addr add 10.0.0.1/24 dev bn0 && ip link set bn0 up && "
              "ip link add va type veth peer name vb && ip link set vb netns " +
              pid + " && ip addr add 10.0.1.1/24 dev va && ip link set va up && " + peer.enter +
              "sh -c 'ip link set lo up && ip addr add 10.0.1.2/24 dev vb && ip link set vb up'")) {
        return 1;
    }
    const std::string gb_net = program("gb_net"), gohttp = program("gohttp");
    const std::string n = std::to_string(mib);

    // Throughput: the domain receives, then sends; the host does the other half.
    ChildResult host_send, host_recv;
    GuestRun g = spec(image("net"),
                      std::string(kGuestIp) +
                          " init=/bin/sh -- -c 'gb_net recv 7000; sleep 0.3; "
                          "gb_net send 10.0.0.1 7001 " +
                          n + "'",
                      1, 256);
    g.nics = {"tap=bn0"};
    g.env = {{"DOMUS_STATS", "1"}};
    std::thread host([&] {
        std::thread r([&] { host_recv = run_child({gb_net, "recv", "7001"}, {}, 120); });
        host_send = run_child({gb_net, "send", "10.0.0.2", "7000", n}, {}, 120);
        r.join();
    });
    const ChildResult guest = run_guest(g);
    host.join();
    const std::string guest_out = program_output(guest.out);
    // Each direction as its receiver saw it (first byte to end of stream): the domain's first
    // line, the host's receiver.
    const double to_guest = num_field(guest_out, "gbit_s");
    const double from_guest = num_field(host_recv.out, "gbit_s");
    const double cpu_ns = num_field(guest.err, "virtio_net_thread_cpu_ns");

    // Baseline: the same program across veth.
    ChildResult veth_recv, veth_send;
    std::thread vr([&] { veth_recv = sh(peer.enter + gb_net + " recv 7002"); });
    veth_send = run_child({gb_net, "send", "10.0.1.2", "7002", n}, {}, 120);
    vr.join();
    const double veth = num_field(veth_recv.out, "gbit_s");
    sh(peer.enter + "iperf3 -s -1 -p 5201 >/dev/null 2>&1 &");
    ::usleep(300000);
    const ChildResult iperf = sh("iperf3 -c 10.0.1.2 -p 5201 -t 3 -f g | grep receiver");
    double iperf_gbit = 0;
    {
        std::smatch m;
        if (std::regex_search(iperf.out, m, std::regex("([0-9.]+) Gbits/sec"))) {
            iperf_gbit = std::atof(m[1].str().c_str());
        }
    }

    // HTTP under wrk: gohttp in the domain, then on the host behind veth.
    ChildResult wrk_guest_run;
    GuestRun w = spec(image("net"),
                      std::string(kGuestIp) +
                          " init=/bin/sh -- -c 'gohttp serve 0.0.0.0:8080 & sleep 9; kill $!'",
                      1, 256);
    w.nics = {"tap=bn0"};
    std::thread wh([&] {
        sh("for i in $(seq 100); do curl -sf -o /dev/null http://10.0.0.2:8080/hello && break; "
           "sleep 0.05; done");
        wrk_guest_run = sh("wrk -t2 -c16 -d5s --latency http://10.0.0.2:8080/hello");
    });
    (void)run_guest(w);
    wh.join();
    sh(peer.enter + gohttp + " serve 0.0.0.0:8080 >/dev/null 2>&1 &");
    sh("for i in $(seq 100); do curl -sf -o /dev/null http://10.0.1.2:8080/hello && break; "
       "sleep 0.05; done");
    const ChildResult wrk_host_run = sh("wrk -t2 -c16 -d5s --latency http://10.0.1.2:8080/hello");
    sh("pkill -f '" + gohttp + " serve'");
    const Wrk wg = parse_wrk(wrk_guest_run.out), wv = parse_wrk(wrk_host_run.out);

    // ping: the domain (idle shell) vs across veth.
    ChildResult ping_guest;
    GuestRun p =
        spec(image("net"), std::string(kGuestIp) + " init=/bin/sh -- -c 'sleep 3'", 1, 256);
    p.nics = {"tap=bn0"};
    std::thread ph([&] {
        ::usleep(500000);
        ping_guest = sh("ping -c 60 -i 0.02 -q 10.0.0.2");
    });
    (void)run_guest(p);
    ph.join();
    const ChildResult ping_veth = sh("ping -c 60 -i 0.02 -q 10.0.1.2");
    const double pg = ping_avg_us(ping_guest.out), pv = ping_avg_us(ping_veth.out);

    // The floor: frames bounced by the guest kernel (net-reflect).
    std::pair<double, double> floor{0, 0};
    GuestRun f = spec("", "net-reflect", 1, 64);  // a built-in workload: no ramdisk
    f.nics = {"tap=bn0"};
    // Back to back (the host's halt-polling keeps the idle vCPU's thread awake between them),
    // then 20 ms apart like the pings (it sleeps, and each frame must wake it).
    std::pair<double, double> paced{0, 0};
    std::thread fh([&] {
        floor = reflect_rtts("bn0", 1000, 0, false);
        paced = reflect_rtts("bn0", 100, 20000, true);
    });
    (void)run_guest(f);
    fh.join();

    std::printf(
        "TCP %s MiB, 1 MiB writes (gb_net)     host->guest  guest->host  veth (host<->host)\n",
        n.c_str());
    std::printf("  Gbit/s                             %10.2f  %11.2f  %10.2f\n", to_guest,
                from_guest, veth);
    std::printf("  ratio vs veth                      %10s  %11s\n",
                ratio(to_guest, veth, 2).c_str(), ratio(from_guest, veth, 2).c_str());
    std::printf("  iperf3 across veth (reference)     %.2f Gbit/s\n", iperf_gbit);
    std::printf("  monitor net thread CPU             %.0f ms per GiB moved\n",
                cpu_ns / 1e6 / (2.0 * double(mib) / 1024));
    std::printf("HTTP wrk -t2 -c16 -d5s /hello (gohttp)  domain     host behind veth  ratio\n");
    std::printf("  requests/s                         %9.0f  %16.0f  %s\n", wg.rps, wv.rps,
                ratio(wg.rps, wv.rps, 2).c_str());
    std::printf("  p50 ms                             %9.2f  %16.2f\n", wg.p50_ms, wv.p50_ms);
    std::printf("  p99 ms                             %9.2f  %16.2f\n", wg.p99_ms, wv.p99_ms);
    std::printf("ping round trip, avg of 60           domain %.0f us, veth %.0f us (+%.0f us)\n",
                pg, pv, pg - pv);
    std::printf(
        "platform floor: raw frames bounced by the guest kernel (net-reflect: TAP, monitor\n"
        "  thread, irqfd, halted vCPU, ioeventfd), back to back    p50 %.0f us, p99 %.0f us\n"
        "  20 ms apart, like the pings                             p50 %.0f us, p99 %.0f us\n"
        "  ping's average above the paced floor's p50: +%.0f us (the guest's stack and ping)\n",
        floor.first, floor.second, paced.first, paced.second, pg - paced.first);
    if (to_guest <= 0 || from_guest <= 0 || veth <= 0 || wg.rps <= 0 || pg <= 0 ||
        floor.first <= 0 || paced.first <= 0) {
        std::fprintf(stderr, "bench_guest_net: a measurement failed\nguest: %s\n%s\nhost: %s%s%s\n",
                     guest_out.c_str(), guest.err.c_str(), host_send.out.c_str(),
                     host_recv.out.c_str(), wrk_guest_run.out.c_str());
        return 1;
    }
    return 0;
}

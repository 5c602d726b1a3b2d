// Domains that boot a program (a busybox initramfs built here) through domusd: defined with
// `ramdisk` and `cmdline` over the API, their init's exit status in last_exit and the events,
// and an interactive shell through `domus console` (type commands, ^C a sleep).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <chrono>
#include <iterator>
#include <sstream>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

// A busybox initramfs in `dir`: /bin/busybox and the applets used below as symlinks.
std::string make_busybox_cpio(const std::string& dir) {
    const std::string script =
        "set -e; cd '" + dir + "'; mkdir -p root/bin; cp /bin/busybox root/bin/; " +
        "for a in sh echo sleep cat; do ln -sf busybox root/bin/$a; done; " +
        "(cd root && find . | cpio -o -H newc 2>/dev/null) | gzip > busybox.cpio.gz";
    const auto r = run_process({"/bin/sh", "-c", script}, timeout_after(60));
    return r.exit_code == 0 ? dir + "/busybox.cpio.gz" : std::string();
}

bool console_log_has(const Daemon& d, const std::string& name, const std::string& needle) {
    return d.request("GET", "/v1/domains/" + name + "/console?tail=400").body.find(needle) !=
           std::string::npos;
}

class DaemonProgram : public ::testing::Test {
  protected:
    void SetUp() override {
        DOMUS_REQUIRE_DAEMON();
        if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
        ASSERT_TRUE(d_.start()) << d_.log();
        ramdisk_ = make_busybox_cpio(d_.image_dir());  // ramdisks live in an image dir
        ASSERT_FALSE(ramdisk_.empty());
    }
    Daemon d_;
    std::string ramdisk_;
};

TEST_F(DaemonProgram, ApiDomainRunsItsInitAndReportsItsExitStatus) {
    json::object body{{"name", "prog"},
                      {"memory", 64},
                      {"vcpus", 2},
                      {"ramdisk", ramdisk_},
                      {"cmdline", "init=/bin/sh -- -c 'echo via-api $((6*7)); exit 7'"}};
    int status = 0;
    d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << d_.log();
    const auto stopped = d_.wait_state("prog", "stopped");
    ASSERT_EQ(str(stopped, "state"), "stopped") << stopped;
    const auto& exit = stopped.at("last_exit").as_object();
    EXPECT_EQ(str(exit, "reason"), "exit") << exit;
    EXPECT_EQ(num(exit, "code"), 7 << 8) << exit;  // the wait(2) status word
    EXPECT_EQ(str(exit, "detail"), "init exited with status 7") << exit;
    EXPECT_TRUE(console_log_has(d_, "prog", "via-api 42"));
    const auto shown = d_.json("GET", "/v1/domains/prog").as_object();
    EXPECT_EQ(str(shown, "ramdisk"), ramdisk_) << shown;
}

TEST_F(DaemonProgram, ConsoleGivesAnInteractiveShellWithCtrlC) {
    json::object body{
        {"name", "sh"}, {"memory", 64}, {"ramdisk", ramdisk_}, {"cmdline", "init=/bin/sh"}};
    int status = 0;
    d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << d_.log();
    d_.wait_state("sh", "running");
    // Staged input: the ^C (\003) must arrive while `sleep` runs in the foreground.
    const std::string feed =
        "(sleep 0.5; printf 'echo typed-$((40+2))\\n'; sleep 0.5; printf 'sleep 30\\n'; "
        "sleep 1; printf '\\003'; sleep 0.5; printf 'echo after-$?\\n'; sleep 0.5; "
        "printf 'exit 0\\n'; sleep 2) | '" +
        std::string(DOMUS_BIN) + "' --socket '" + d_.socket() + "' console sh";
    const auto r = run_process({"/bin/sh", "-c", feed}, timeout_after(25));
    ASSERT_FALSE(r.timed_out) << "sleep 30 was not interrupted by ^C\n" << r.out << r.err;
    EXPECT_NE(r.out.find("typed-42"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("after-130"), std::string::npos) << r.out << r.err;  // 128 + SIGINT
    const auto stopped = d_.wait_state("sh", "stopped");
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "reason"), "exit") << stopped;
    EXPECT_EQ(num(stopped.at("last_exit").as_object(), "code"), 0) << stopped;
}

// IaaS end to end: a root disk made by `disk-create --from-dir` (busybox and an init script in
// a tree inside the image dir), a domain defined over the API that boots from it
// (root=/dev/vda rw, no ramdisk), whose init writes a file and powers off; the host then finds
// the file in the image and e2fsck finds the image clean.
TEST_F(DaemonProgram, ADomainBootsFromADiskMadeByDiskCreate) {
    if (::access("/sbin/mke2fs", X_OK) != 0) GTEST_SKIP() << "e2fsprogs is not installed";
    const std::string images = d_.state_dir() + "/images";
    const std::string tree = images + "/rootfs";
    const auto made =
        run_process({"/bin/sh", "-c",
                     "set -e; mkdir -p '" + tree + "'/bin '" + tree + "'/sbin '" + tree +
                         "'/dev '" + tree + "'/proc; cp /bin/busybox '" + tree +
                         "'/bin/; for a in sh echo cat mount sync; do "
                         "ln -sf busybox '" +
                         tree +
                         "'/bin/$a; done; printf '#!/bin/sh\necho booted from "
                         "disk\ncat /proc/mounts\necho persisted > /state\nsync\n' > '" +
                         tree + "'/sbin/init; chmod 755 '" + tree + "'/sbin/init"},
                    timeout_after(30));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    int status = 0;
    const auto image =
        d_.json("POST", "/v1/images",
                R"({"name":"root.img","size":"32M","from_dir":")" + tree + R"("})", &status);
    ASSERT_EQ(status, 201) << boost::json::serialize(image) << d_.log();
    json::object body{{"name", "diskboot"},
                      {"memory", 64},
                      {"cmdline", "root=/dev/vda rw"},
                      {"disks", json::array{json::object{{"path", "root.img"}}}}};
    d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << d_.log();
    const auto stopped = d_.wait_state("diskboot", "stopped");
    ASSERT_EQ(str(stopped, "state"), "stopped") << stopped;
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "detail"), "init exited with status 0")
        << stopped;
    EXPECT_TRUE(console_log_has(d_, "diskboot", "booted from disk"));
    EXPECT_TRUE(console_log_has(d_, "diskboot", "/dev/vda / ext2 rw"));
    const auto cat = run_process(
        {"/bin/sh", "-c", "/sbin/debugfs -R 'cat /state' '" + images + "/root.img' 2>/dev/null"},
        timeout_after(30));
    EXPECT_EQ(cat.out, "persisted\n");
    const auto fsck = run_process({"/sbin/e2fsck", "-fn", images + "/root.img"}, timeout_after(30));
    EXPECT_EQ(fsck.exit_code, 0) << fsck.out;
}

// CPU seconds (user + system) process `pid` has used so far; -1 when it cannot be read.
double cpu_seconds_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const size_t close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; fields >> f && i <= 15; ++i) {
        if (i == 14 || i == 15) ticks += std::stod(f);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A guest flooding its console (a shell loop printing ~400 KB) with console-log-max-bytes =
// 16384: the log and its one rotated predecessor each stay under the cap, and the tail the
// API serves still ends with the guest's last line.
TEST(DaemonConsoleLog, AFloodingGuestsLogIsCappedAndRotated) {
    DOMUS_REQUIRE_DAEMON();
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    char tmpl[] = "/tmp/domus-console-cap-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string conf = std::string(tmpl) + "/domusd.conf";
    std::ofstream(conf) << "console-log-max-bytes = 16384\n";
    Daemon d({"--config", conf});
    ASSERT_TRUE(d.start()) << d.log();
    const std::string ramdisk = make_busybox_cpio(d.image_dir());
    ASSERT_FALSE(ramdisk.empty());
    const std::string line(90, 'f');
    json::object body{{"name", "flood"},
                      {"memory", 64},
                      {"ramdisk", ramdisk},
                      {"cmdline", "init=/bin/sh -- -c 'i=0; while [ $i -lt 4000 ]; do echo " +
                                      line + " $i; i=$((i+1)); done; echo flood-done; exit 0'"}};
    int status = 0;
    const double cpu_before = cpu_seconds_of(d.pid());
    const auto t0 = std::chrono::steady_clock::now();
    auto v = d.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << v << d.log();
    const int64_t id = num(v.as_object(), "id");
    const auto stopped = d.wait_state("flood", "stopped", 120);
    EXPECT_EQ(str(stopped, "state"), "stopped") << stopped;
    // The flood goes from the monitor to the file: the daemon does not touch it (it only
    // answers this test's polls).
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double daemon_cpu = cpu_seconds_of(d.pid()) - cpu_before;
    EXPECT_LT(daemon_cpu, 0.25 * wall + 0.2) << "daemon CPU " << daemon_cpu << " s in " << wall;
    const std::string log =
        d.state_dir() + "/run/" + std::to_string(id) + "/" + std::to_string(id) + ".console.log";
    struct stat st {};
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    EXPECT_LE(st.st_size, 16384 + 4096);  // the cap, plus at most one console write
    ASSERT_EQ(::stat((log + ".1").c_str(), &st), 0);
    EXPECT_GT(st.st_size, 8192) << "never rotated";
    EXPECT_LE(st.st_size, 16384 + 4096);
    EXPECT_EQ(::access((log + ".2").c_str(), F_OK), -1);
    const std::string tail = d.request("GET", "/v1/domains/flood/console?tail=5").body;
    EXPECT_NE(tail.find("flood-done"), std::string::npos) << tail;
    EXPECT_NE(tail.find(line + " 3999"), std::string::npos) << tail;
    d.request("DELETE", "/v1/domains/flood");
    EXPECT_EQ(::access(log.c_str(), F_OK), -1);  // deleting the domain removes both
    EXPECT_EQ(::access((log + ".1").c_str(), F_OK), -1);
    std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace domus::test

// The daemon reads a domain's kernel and ramdisk itself (to check them before a domain is
// defined): only from its image dirs, only regular files, never blocking, within a size limit,
// and without quoting a byte of them in an error. Also: a failed create+start leaves no run
// files, the state dir is 0700 from the start, and a monitor the host cannot start is a 5xx.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

std::string error_message(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return str(v.as_object().at("error").as_object(), "message");
}

std::string error_field(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return str(v.as_object().at("error").as_object(), "field");
}

TEST(DaemonBootFiles, HostileKernelAndRamdiskPathsAreRefusedQuicklyAndClearly) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.image_dir();
    ASSERT_EQ(::mkfifo((images + "/fifo").c_str(), 0600), 0);
    std::filesystem::create_directory(images + "/sub");
    std::filesystem::create_symlink("/etc/passwd", images + "/escape");
    std::filesystem::create_symlink("/dev/zero", images + "/zero");
    {  // Content that must never show up in a message.
        std::ofstream(images + "/secret") << "SECRETSTUFF-the-first-bytes";
        std::ofstream huge(images + "/huge");
    }
    std::filesystem::resize_file(images + "/huge", (256ull << 20) + 1);  // sparse
    const struct {
        std::string path, needle;
    } cases[] = {
        {"/dev/zero", "outside the image dirs"},
        {"/dev/kmsg", "outside the image dirs"},
        {"/etc/passwd", "outside the image dirs"},
        {"zero", "resolves to /dev/zero, which is outside the image dirs"},
        {images + "/escape", "resolves to /etc/passwd"},
        {images + "/fifo", "is a FIFO, not a regular file"},
        {"fifo", "is a FIFO"},
        {images + "/sub", "is a directory"},
        {images + "/huge", "larger than the limit"},
        {images + "/secret", "not"},
        {"../../../../etc/passwd", "resolves to /etc/passwd"},
        {"missing", "does not exist"},
    };
    const auto before = json::serialize(d.json("GET", "/v1/domains"));
    for (const char* field : {"kernel", "ramdisk"}) {
        for (const auto& c : cases) {
            SCOPED_TRACE(std::string(field) + " " + c.path);
            for (const char* target : {"/v1/domains", "/v1/domains?start=true"}) {
                json::object body{{"name", "x"}, {"memory", 64}, {field, c.path}};
                const auto t0 = std::chrono::steady_clock::now();
                auto r = d.request("POST", target, json::serialize(body));
                const double s =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                EXPECT_LT(s, 10.0) << "the daemon waited on the file";
                ASSERT_EQ(r.status, 400) << r.body;
                EXPECT_EQ(error_field(r), field);
                const std::string m = error_message(r);
                EXPECT_NE(m.find(c.needle), std::string::npos) << m;
                EXPECT_NE(m.find(c.path), std::string::npos) << m;  // names the path
                EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
                EXPECT_EQ(m.find("53 45 43"), std::string::npos) << m;  // nor as hex
            }
        }
    }
    EXPECT_EQ(json::serialize(d.json("GET", "/v1/domains")), before);
    EXPECT_EQ(d.request("GET", "/v1/host").status, 200);
    // The same refusal on a PATCH of an existing definition.
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"p","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201);
    auto r = d.request("PATCH", "/v1/domains/p", R"({"kernel":"/dev/zero"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(d.json("GET", "/v1/domains/p").as_object().at("kernel").is_null());
}

TEST(DaemonBootFiles, AKernelInTheImageDirBootsByItsRelativeName) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    std::filesystem::copy_file(DOMUS_GUEST_ELF, d.image_dir() + "/guest.elf");
    int status = 0;
    auto v =
        d.json("POST", "/v1/domains?start=true",
               R"({"name":"k","memory":32,"cmdline":"service","kernel":"guest.elf"})", &status);
    ASSERT_EQ(status, 201) << v << d.log();
    EXPECT_EQ(str(v.as_object(), "kernel"), "guest.elf");
    EXPECT_EQ(str(v.as_object(), "state"), "running");
    d.request("POST", "/v1/domains/k/destroy");
}

TEST(DaemonBootFiles, AFailedCreateAndStartLeavesNoRunFiles) {
    DOMUS_REQUIRE_DAEMON();
    // A monitor that ends at once (its log file was made for it all the same).
    Daemon d({"--vmm", "/bin/false"});
    ASSERT_TRUE(d.start()) << d.log();
    auto r = d.request("POST", "/v1/domains?start=true", R"({"name":"f","cmdline":"service"})");
    EXPECT_GE(r.status, 500) << r.body;
    EXPECT_EQ(d.request("GET", "/v1/domains/f").status, 404);
    std::vector<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(d.state_dir() + "/run")) {
        left.push_back(e.path().filename().string());
    }
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(DaemonBootFiles, AMonitorTheHostCannotStartIsA5xxAndABadDomainA4xx) {
    DOMUS_REQUIRE_DAEMON();
    {  // No such binary: the host's fault, 503.
        Daemon d({"--vmm", "/nonexistent/domus-vmm"});
        ASSERT_TRUE(d.start()) << d.log();
        auto r = d.request("POST", "/v1/domains?start=true", R"({"name":"a","cmdline":"service"})");
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_NE(error_message(r).find("/nonexistent/domus-vmm"), std::string::npos) << r.body;
        // Starting a defined domain answers the same.
        int status = 0;
        d.json("POST", "/v1/domains", R"({"name":"b","cmdline":"service"})", &status);
        ASSERT_EQ(status, 201);
        EXPECT_EQ(d.request("POST", "/v1/domains/b/start").status, 503);
    }
    {  // A monitor that ends without a handshake: 500.
        Daemon d({"--vmm", "/bin/true"});
        ASSERT_TRUE(d.start()) << d.log();
        auto r = d.request("POST", "/v1/domains?start=true", R"({"name":"a","cmdline":"service"})");
        EXPECT_EQ(r.status, 500) << r.body;
        EXPECT_NE(error_message(r).find("failed to start"), std::string::npos) << r.body;
    }
    {  // A monitor that refuses the domain in its handshake: the domain's fault, 400.
        const std::string vmm = "/tmp/domus-refusing-vmm-" + std::to_string(::getpid());
        std::ofstream(vmm) << "#!/bin/sh\necho '{\"ok\":false,\"error\":\"the monitor refuses "
                              "this domain\"}'\n";
        ASSERT_EQ(::chmod(vmm.c_str(), 0755), 0);
        Daemon real({"--vmm", vmm});
        ASSERT_TRUE(real.start()) << real.log();
        auto r =
            real.request("POST", "/v1/domains?start=true", R"({"name":"a","cmdline":"service"})");
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_NE(error_message(r).find("the monitor refuses this domain"), std::string::npos)
            << r.body;
        ::unlink(vmm.c_str());
    }
}

TEST(DaemonBootFiles, TheStateDirIs0700FromTheStartWhateverTheUmask) {
    DOMUS_REQUIRE_DAEMON();
    const mode_t old = ::umask(0);  // the daemon inherits it
    Daemon d;
    const bool started = d.start();
    ::umask(old);
    ASSERT_TRUE(started) << d.log();
    for (const std::string& dir : {d.state_dir(), d.state_dir() + "/run", d.image_dir()}) {
        struct stat st {};
        ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
        EXPECT_EQ(st.st_mode & 0777, 0700u) << dir;
    }
}

}  // namespace
}  // namespace domus::test

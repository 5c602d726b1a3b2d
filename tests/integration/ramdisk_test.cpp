// An initramfs given to a domain every way there is (`domus run --ramdisk`, `domus-vmm
// --ramdisk`, the API's `ramdisk` field, an xl.cfg `ramdisk =` key): a good archive boots, and a
// missing, malformed or oversized one is refused with its path and the problem, leaving nothing.
// The archives are made at test time by the real cpio and gzip tools.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_fixture.hpp"
#include "vmm/run_domain.hpp"
#include "vmm_harness.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

// The daemon reads ramdisks only from its image dirs: a copy there.
std::string into_images(const Daemon& d, const std::string& path) {
    const std::string to = d.image_dir() + "/" + std::filesystem::path(path).filename().string();
    std::filesystem::copy_file(path, to, std::filesystem::copy_options::overwrite_existing);
    return to;
}

bool have_tools() {
    return std::system("command -v cpio >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1") == 0;
}

// A temporary directory with an initramfs made by `find . | cpio -o -H newc | gzip`.
class Archives {
  public:
    Archives() {
        char tmpl[] = "/tmp/domus-ramdisk-test-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        const std::string script = "set -e; cd '" + dir_ +
                                   "'; mkdir -p tree/bin tree/etc; echo domus > tree/etc/hostname;"
                                   " printf '#!/bin/sh\\necho hi\\n' > tree/init; chmod 755 "
                                   "tree/init; ln -s ../init tree/bin/sh; ln tree/etc/hostname "
                                   "tree/etc/name; (cd tree && find . | cpio -o -H newc --quiet) "
                                   "> rd.cpio; gzip -k rd.cpio; printf 'not an archive' > bad; "
                                   "head -c 40M /dev/zero | gzip -9 > bomb.gz";
        ok_ = std::system(script.c_str()) == 0;
    }
    ~Archives() {
        const std::string cmd = "rm -rf '" + dir_ + "'";
        (void)!std::system(cmd.c_str());
    }
    bool ok() const { return ok_; }
    std::string path(const char* name) const { return dir_ + "/" + name; }

  private:
    std::string dir_;
    bool ok_ = false;
};

#define DOMUS_REQUIRE_TOOLS()                                               \
    do {                                                                    \
        if (!have_tools()) GTEST_SKIP() << "cpio or gzip is not installed"; \
    } while (0)

void expect_run_error(const std::vector<std::string>& args,
                      const std::vector<std::string>& needles) {
    auto r = run_domus(args);
    ASSERT_FALSE(r.timed_out);
    // With a ramdisk the exit status is the program's, so Domus's own failures are 125.
    EXPECT_EQ(r.exit_code, vmm::kExitProgramPlatformError) << r.out << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "") << "the guest must not have run";
}

// What the guest does with the archive is the guest kernel's business (and its tests'): here
// only that the monitor accepts it and starts the guest. The bytes it hands over are checked in
// tests/unit/vmm/vm_builder_ramdisk_test.cpp.
TEST(RunRamdisk, GoodArchivesAreAccepted) {
    DOMUS_REQUIRE_KVM();
    DOMUS_REQUIRE_TOOLS();
    Archives a;
    ASSERT_TRUE(a.ok());
    for (const char* name : {"rd.cpio", "rd.cpio.gz"}) {
        auto r = run_domus({"run", "--ramdisk", a.path(name), "--cmdline", "hello"},
                           signal_after(2.0, SIGTERM));
        ASSERT_FALSE(r.timed_out);
        EXPECT_EQ(r.err.find("domus: error"), std::string::npos) << name << "\n" << r.err;
        EXPECT_EQ(r.err.find("ramdisk"), std::string::npos) << name << "\n" << r.err;
        EXPECT_FALSE(r.out.empty()) << "the guest printed nothing\n" << r.err;
    }
}

TEST(RunRamdisk, BadRamdisksAreRefusedBeforeTheGuestRuns) {
    DOMUS_REQUIRE_KVM();
    DOMUS_REQUIRE_TOOLS();
    Archives a;
    ASSERT_TRUE(a.ok());
    expect_run_error({"run", "--ramdisk", "/nonexistent/rd.cpio"},
                     {"domus: error: ramdisk: cannot open '/nonexistent/rd.cpio'", "No such file"});
    expect_run_error({"run", "--ramdisk", a.path("bad")},
                     {"ramdisk '" + a.path("bad") + "'", "not a newc cpio archive"});
    expect_run_error({"run", "--memory", "64", "--ramdisk", a.path("bomb.gz")},
                     {"ramdisk '" + a.path("bomb.gz") + "'",
                      "decompresses to more than 33554432 bytes (half of the guest's 64 MiB of "
                      "RAM"});
    expect_run_error({"run", "--ramdisk", a.path("")}, {"is a directory"});
}

TEST(VmmRamdisk, ThePathTravelsAndABadOneFailsTheHandshake) {
    DOMUS_REQUIRE_KVM();
    DOMUS_REQUIRE_TOOLS();
    Archives a;
    ASSERT_TRUE(a.ok());
    {
        // The handshake comes once the domain is built, before the guest runs.
        vmm_harness::Vmm good({"--ramdisk", a.path("rd.cpio.gz"), "--cmdline", "service"});
        EXPECT_EQ(vmm_harness::parse(good.handshake())["ok"], true) << good.log();
    }
    vmm_harness::Vmm bad({"--ramdisk", a.path("bad")});
    EXPECT_EQ(bad.wait(std::chrono::seconds(5)), 1);
    const auto h = vmm_harness::parse(bad.handshake());
    EXPECT_EQ(h.at("ok"), false) << bad.handshake();
    EXPECT_NE(vmm_harness::str(h, "error").find(a.path("bad")), std::string::npos) << h;
    EXPECT_FALSE(vmm_harness::exists(bad.path(".ctl")));
}

TEST(DaemonRamdisk, DefinedStartedAndShownThroughTheApi) {
    DOMUS_REQUIRE_DAEMON();
    DOMUS_REQUIRE_TOOLS();
    Archives a;
    ASSERT_TRUE(a.ok());
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string rd = into_images(d, a.path("rd.cpio.gz"));
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"rd1","memory":32,"cmdline":"service","ramdisk":")" + rd + "\"}",
                    &status);
    ASSERT_EQ(status, 201) << v;
    EXPECT_EQ(str(v.as_object(), "ramdisk"), rd);
    // The monitor got the path the way it gets the kernel's. Its /init cannot run (its
    // interpreter /bin/sh is a symbolic link back to /init): the guest reports that, and the
    // domain ends by itself with init's exit status 126.
    const int64_t pid = v.as_object().at("pid").to_number<int64_t>();
    std::string args = read_proc_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(args.begin(), args.end(), '\0', ' ');
    if (!args.empty()) {  // empty only when the monitor had already ended
        EXPECT_NE(args.find("--ramdisk " + rd), std::string::npos) << args;
    }
    EXPECT_EQ(str(d.json("GET", "/v1/domains/rd1").as_object(), "ramdisk"), rd);
    auto shown = d.cli({"config", "rd1"});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("ramdisk = \"" + rd + "\""), std::string::npos) << shown.out;
    const auto stopped = d.wait_state("rd1", "stopped");
    ASSERT_EQ(str(stopped, "state"), "stopped") << stopped;
    const auto& exit = stopped.at("last_exit").as_object();
    EXPECT_EQ(str(exit, "reason"), "exit") << exit;
    EXPECT_EQ(str(exit, "detail"), "init exited with status 126") << exit;

    // Removed with a PATCH (null), then set to a bad file: refused, nothing changes.
    d.json("PATCH", "/v1/domains/rd1", R"({"ramdisk":null})", &status);
    EXPECT_EQ(status, 200);
    const std::string bad = into_images(d, a.path("bad"));
    auto r = d.request("PATCH", "/v1/domains/rd1", R"({"ramdisk":")" + bad + "\"}");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("\"field\":\"ramdisk\""), std::string::npos) << r.body;
    EXPECT_TRUE(d.json("GET", "/v1/domains/rd1").as_object().at("ramdisk").is_null());
}

TEST(DaemonRamdisk, BadRamdisksCreateNothing) {
    DOMUS_REQUIRE_DAEMON();
    DOMUS_REQUIRE_TOOLS();
    Archives a;
    ASSERT_TRUE(a.ok());
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const auto before = json::serialize(d.json("GET", "/v1/domains"));
    const struct {
        std::string path, needle;
    } cases[] = {
        {"/nonexistent/rd.cpio", "'/nonexistent/rd.cpio' does not exist"},
        {into_images(d, a.path("bad")), "not a newc cpio archive"},
        {into_images(d, a.path("bomb.gz")), "half of the domain's 64 MiB of memory"},
        {a.path("rd.cpio.gz"), "outside the image dirs"},
    };
    for (const auto& c : cases) {
        for (const char* path : {"/v1/domains", "/v1/domains?start=true"}) {
            auto r = d.request("POST", path, R"({"name":"x","ramdisk":")" + c.path + "\"}");
            SCOPED_TRACE(std::string(path) + " " + c.path);
            EXPECT_EQ(r.status, 400) << r.body;
            auto e = json::parse(r.body).as_object().at("error").as_object();
            EXPECT_EQ(str(e, "code"), "invalid_field");
            EXPECT_EQ(str(e, "field"), "ramdisk");
            EXPECT_NE(str(e, "message").find(c.needle), std::string::npos) << r.body;
            EXPECT_NE(str(e, "message").find(c.path), std::string::npos) << r.body;
        }
    }
    // The same through an xl.cfg file and the CLI.
    const std::string cfg = a.path("bad.cfg");
    std::ofstream(cfg) << "name = \"x\"\nramdisk = \"" << into_images(d, a.path("bad")) << "\"\n";
    auto cli = d.cli({"create", cfg});
    EXPECT_NE(cli.exit_code, 0);
    EXPECT_NE(cli.err.find("not a newc cpio archive"), std::string::npos) << cli.err;
    EXPECT_EQ(json::serialize(d.json("GET", "/v1/domains")), before);
    EXPECT_TRUE(monitors_under(d.dir()).empty());
}

}  // namespace
}  // namespace domus::test

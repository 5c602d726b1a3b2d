// Disks in domain definitions through a real domusd: read back through the API and the CLI,
// confined to the image dirs (symlinks out, FIFOs, devices, missing and tiny files refused
// before anything is created), checked again at start, and handed to the monitor as --disk.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

void make_file(const std::string& path, size_t size) {
    std::ofstream(path) << std::string(size, '\0');
}

// The error object of a refused request, with its status.
struct Refusal {
    int status = 0;
    std::string code, message, field;
};

Refusal refusal(const Daemon& d, const std::string& method, const std::string& path,
                const std::string& body) {
    Refusal r;
    auto v = d.json(method, path, body, &r.status);
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

TEST(DaemonDisks, DefinedDisksReadBackThroughTheApiAndTheCli) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.state_dir() + "/images";  // the default image dir
    ASSERT_TRUE(std::filesystem::is_directory(images));
    make_file(images + "/root.img", 1 << 20);
    make_file(images + "/data.img", 4096);

    int status = 0;
    auto created = d.json("POST", "/v1/domains",
                          R"({"name":"vm","cmdline":"service","disks":[
                               {"path":"root.img","vdev":"xvdb"},
                               {"path":")" +
                              images + R"(/data.img","read_only":true,
                                "bytes_per_sec":1048576,"ops_per_sec":20}]})",
                          &status);
    ASSERT_EQ(status, 201) << json::serialize(created);
    auto got = d.json("GET", "/v1/domains/vm");
    const auto& disks = got.as_object().at("disks").as_array();
    ASSERT_EQ(disks.size(), 2u);
    EXPECT_EQ(str(disks[0].as_object(), "path"), "root.img");
    EXPECT_EQ(str(disks[0].as_object(), "vdev"), "xvdb");
    EXPECT_EQ(str(disks[0].as_object(), "guest"), "vdb");
    EXPECT_EQ(disks[0].as_object().at("read_only"), json::value(false));
    EXPECT_TRUE(disks[1].as_object().at("vdev").is_null());
    EXPECT_EQ(str(disks[1].as_object(), "guest"), "vda");
    EXPECT_EQ(disks[1].as_object().at("read_only"), json::value(true));
    EXPECT_EQ(num(disks[1].as_object(), "bytes_per_sec"), 1048576);
    EXPECT_EQ(num(disks[1].as_object(), "ops_per_sec"), 20);

    auto xl = d.cli({"config", "vm"});
    ASSERT_EQ(xl.exit_code, 0) << xl.err;
    EXPECT_NE(xl.out.find("disk = [ \"format=raw, vdev=xvdb, access=rw, target=root.img\",\n"
                          "         \"format=raw, vdev=vda, access=ro, target=" +
                          images + "/data.img\" ]\n"),
              std::string::npos)
        << xl.out;
    auto listed = d.cli({"list", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find(R"("guest":"vdb")"), std::string::npos) << listed.out;

    // What `domus config` prints is a file `domus create` takes back (renamed).
    std::string text = xl.out;
    text.replace(text.find("\"vm\""), 4, "\"vm2\"");
    const std::string cfg = d.dir() + "/vm2.cfg";
    std::ofstream(cfg) << text;
    auto again = d.cli({"create", cfg});
    ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
    auto vm2 = d.json("GET", "/v1/domains/vm2");
    EXPECT_EQ(str(vm2.as_object().at("disks").as_array()[1].as_object(), "guest"), "vda");

    // `domus create` also starts it; PATCH replaces the list as a whole once it is stopped.
    d.json("POST", "/v1/domains/vm2/destroy", "", &status);
    ASSERT_EQ(status, 200);
    auto patched =
        d.json("PATCH", "/v1/domains/vm2", R"({"disks":[{"path":"data.img"}]})", &status);
    ASSERT_EQ(status, 200) << json::serialize(patched);
    EXPECT_EQ(patched.as_object().at("disks").as_array().size(), 1u);

    // Started: the monitor is given the resolved images in guest order (vda first).
    auto started = d.json("POST", "/v1/domains/vm/start", "", &status);
    ASSERT_EQ(status, 200) << json::serialize(started) << d.log();
    const int64_t pid = pid_of(started.as_object());
    ASSERT_GT(pid, 0);
    std::string cmdline = read_proc_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    const std::string vda = "--disk " + images + "/data.img,ro,bps=1048576,iops=20";
    const std::string vdb = "--disk " + images + "/root.img,rw";
    ASSERT_NE(cmdline.find(vda), std::string::npos) << cmdline;
    ASSERT_NE(cmdline.find(vdb), std::string::npos) << cmdline;
    EXPECT_LT(cmdline.find(vda), cmdline.find(vdb));
    EXPECT_EQ(str(d.wait_state("vm", "running", 2), "state"), "running");
    d.json("POST", "/v1/domains/vm/destroy", "", &status);
    EXPECT_EQ(status, 200);
}

TEST(DaemonDisks, ImagesOutsideTheImageDirsAndNonFilesAreRefusedAndNothingIsCreated) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.state_dir() + "/images";
    make_file(d.dir() + "/outside.img", 4096);
    make_file(images + "/ok.img", 4096);
    make_file(images + "/small.img", 100);
    ASSERT_EQ(::symlink((d.dir() + "/outside.img").c_str(), (images + "/out.img").c_str()), 0);
    ASSERT_EQ(::symlink("/dev/zero", (images + "/zero.img").c_str()), 0);
    ASSERT_EQ(::mkfifo((images + "/fifo.img").c_str(), 0600), 0);
    const bool root = ::getuid() == 0;
    if (root) {
        ASSERT_EQ(::mknod((images + "/zerodev.img").c_str(), S_IFCHR | 0600, makedev(1, 5)), 0);
    }

    struct Case {
        std::string disks, field, message;
    };
    std::vector<Case> cases = {
        {R"([{"path":")" + d.dir() + R"(/outside.img"}])", "disks[0].path",
         "disk image '" + d.dir() + "/outside.img' is outside the image dirs (" + images + ")"},
        {R"([{"path":"ok.img"},{"path":"out.img"}])", "disks[1].path",
         "disk image 'out.img' resolves to " + d.dir() + "/outside.img, which is outside"},
        {R"([{"path":"fifo.img"}])", "disks[0].path",
         "disk image 'fifo.img' is a FIFO, not a regular file"},
        {R"([{"path":"/dev/zero"}])", "disks[0].path",
         "disk image '/dev/zero' is outside the image dirs"},
        {R"([{"path":"zero.img"}])", "disks[0].path",
         "disk image 'zero.img' resolves to /dev/zero, which is outside"},
        {R"([{"path":"missing.img"}])", "disks[0].path", "disk image 'missing.img' does not exist"},
        {R"([{"path":"small.img"}])", "disks[0].path",
         "disk image 'small.img' is 100 bytes, smaller than one sector (512 bytes)"},
        {R"([{"path":"ok.img","vdev":"xvda"},{"path":"ok.img","vdev":"sda"}])", "disks[1].vdev",
         "disks[1].vdev \"sda\" is the same disk (guest vda) as disks[0].vdev \"xvda\""},
        {R"([{"path":"ok.img","vdev":"xvda2"}])", "disks[0].vdev", "names a partition"},
    };
    if (root) {
        cases.push_back({R"([{"path":"zerodev.img"}])", "disks[0].path",
                         "disk image 'zerodev.img' is a character device, not a regular file"});
    }
    for (const Case& c : cases) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const char* query : {"", "?start=true"}) {
            Refusal r = refusal(d, "POST", std::string("/v1/domains") + query,
                                R"({"name":"bad","cmdline":"service","disks":)" + c.disks + "}");
            EXPECT_EQ(r.status, 400) << c.disks;
            EXPECT_EQ(r.code, "invalid_field") << c.disks;
            EXPECT_EQ(r.field, c.field) << c.disks;
            EXPECT_NE(r.message.find(c.message), std::string::npos)
                << r.message << "\nexpected: " << c.message;
        }
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << c.disks;
        EXPECT_EQ(d.request("GET", "/v1/domains/bad").status, 404) << c.disks;
        EXPECT_EQ(domain_count(d), 1u) << c.disks;
    }
    // The CLI says the same, from an xl.cfg file.
    const std::string cfg = d.dir() + "/fifo.cfg";
    std::ofstream(cfg) << "name = \"bad\"\ndisk = [ 'fifo.img,raw,xvda,w' ]\n";
    auto cli = d.cli({"create", cfg});
    EXPECT_NE(cli.exit_code, 0);
    EXPECT_NE(cli.err.find("is a FIFO, not a regular file"), std::string::npos) << cli.err;
    EXPECT_EQ(domain_count(d), 1u);

    // PATCH checks the images too; the refused change leaves the old list.
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"vm","disks":[{"path":"ok.img"}]})", &status);
    ASSERT_EQ(status, 201);
    Refusal p = refusal(d, "PATCH", "/v1/domains/vm", R"({"disks":[{"path":"out.img"}]})");
    EXPECT_EQ(p.status, 400);
    EXPECT_EQ(p.field, "disks[0].path");
    EXPECT_NE(p.message.find("which is outside"), std::string::npos) << p.message;
    auto vm = d.json("GET", "/v1/domains/vm");
    EXPECT_EQ(str(vm.as_object().at("disks").as_array()[0].as_object(), "path"), "ok.img");

    // Files change: the check is made again at start.
    std::filesystem::remove(images + "/ok.img");
    ASSERT_EQ(::symlink((d.dir() + "/outside.img").c_str(), (images + "/ok.img").c_str()), 0);
    Refusal s = refusal(d, "POST", "/v1/domains/vm/start", "");
    EXPECT_EQ(s.status, 400);
    EXPECT_EQ(s.field, "disks[0].path");
    EXPECT_NE(s.message.find("domain 'vm' failed to start: disk image 'ok.img' resolves to"),
              std::string::npos)
        << s.message;
    EXPECT_EQ(str(d.json("GET", "/v1/domains/vm").as_object(), "state"), "stopped");
}

TEST(DaemonDisks, ConfiguredImageDirsAreCreatedAndConfine) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    char tmpl[] = "/tmp/domus-image-dirs-XXXXXX";
    const std::string top = ::mkdtemp(tmpl);
    const std::string first = top + "/a/images", second = top + "/b";
    std::ofstream(top + "/domusd.conf") << "image-dirs = " << first << ", " << second << "\n";
    {
        Daemon d({"--config", top + "/domusd.conf"});
        ASSERT_TRUE(d.start()) << d.log();
        EXPECT_TRUE(std::filesystem::is_directory(first));
        EXPECT_TRUE(std::filesystem::is_directory(second));
        EXPECT_FALSE(std::filesystem::exists(d.state_dir() + "/images"));
        make_file(first + "/rel.img", 512);
        make_file(second + "/abs.img", 512);
        int status = 0;
        auto ok = d.json(
            "POST", "/v1/domains",
            R"({"name":"vm","disks":[{"path":"rel.img"},{"path":")" + second + R"(/abs.img"}]})",
            &status);
        EXPECT_EQ(status, 201) << json::serialize(ok);
        Refusal r =
            refusal(d, "POST", "/v1/domains", R"({"name":"x","disks":[{"path":"abs.img"}]})");
        EXPECT_EQ(r.status, 400);
        EXPECT_NE(r.message.find("'abs.img' does not exist (" + first + "/abs.img)"),
                  std::string::npos)
            << r.message;
    }
    std::filesystem::remove_all(top);
}

// Two domains defined with the same writable image: the first runs, the second's monitor finds
// the image locked and the start is refused with the reason; once the first stops the second
// starts.
TEST(DaemonDisks, TwoDomainsAreRefusedTheSameWritableImage) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    make_file(d.state_dir() + "/images/shared.img", 1 << 20);
    int status = 0;
    for (const char* name : {"one", "two"}) {
        d.json("POST", "/v1/domains",
               std::string(R"({"name":")") + name +
                   R"(","cmdline":"service","disks":[{"path":"shared.img"}]})",
               &status);
        ASSERT_EQ(status, 201) << d.log();
    }
    d.json("POST", "/v1/domains/one/start", "", &status);
    ASSERT_EQ(status, 200) << d.log();
    Refusal second = refusal(d, "POST", "/v1/domains/two/start", "");
    EXPECT_NE(second.status, 200);
    EXPECT_NE(second.message.find("is in use by another domain"), std::string::npos)
        << second.message;
    EXPECT_EQ(str(d.json("GET", "/v1/domains/two").as_object(), "state"), "stopped");
    d.json("POST", "/v1/domains/one/destroy", "", &status);
    ASSERT_EQ(status, 200);
    d.json("POST", "/v1/domains/two/start", "", &status);
    EXPECT_EQ(status, 200) << d.log();
    d.json("POST", "/v1/domains/two/destroy", "", &status);
}

}  // namespace
}  // namespace domus::test

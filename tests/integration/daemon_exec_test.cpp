// Domains defined with `exec` through the real domusd: the daemon packs a static program (a musl
// hello that prints its argv, linked at build time) into the initramfs, the jailed monitor boots
// it and the console log shows the arguments as given; the setting survives a daemon restart;
// xl.cfg's exec keys through `domus create` (with busybox and an overlay); and every refusal
// (a dynamic program, paths out of the image dirs, exec next to a ramdisk) is a 400 naming the
// field that leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string console_of(const Daemon& d, const std::string& name) {
    return d.request("GET", "/v1/domains/" + name + "/console?tail=400").body;
}

class DaemonExec : public ::testing::Test {
  protected:
    void SetUp() override {
        DOMUS_REQUIRE_DAEMON();
#ifndef DOMUS_TEST_HELLO_MUSL
        GTEST_SKIP() << "musl-gcc is not installed: no static test program";
#else
        ASSERT_TRUE(d_.start()) << d_.log();
        hello_ = d_.image_dir() + "/hello-musl";
        fs::copy_file(DOMUS_TEST_HELLO_MUSL, hello_);
#endif
    }
    // The domain's names in GET /v1/domains (Domain-0 left out).
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        const auto list = d_.json("GET", "/v1/domains");
        const auto& domains =
            list.is_object() ? list.as_object().at("domains").as_array() : list.as_array();
        for (const auto& v : domains) {
            const std::string n = str(v.as_object(), "name");
            if (n != "Domain-0") out.push_back(n);
        }
        return out;
    }
    Daemon d_;
    std::string hello_;
};

TEST_F(DaemonExec, ApiDomainRunsTheProgramWithItsArgumentsAndKeepsTheSetting) {
    const json::object exec{
        {"program", "hello-musl"},  // relative: in the first image dir
        {"args", json::array{"one", "two words", "-x", "it's \"q\"", "", "--", "--help"}}};
    json::object body{{"name", "hello"}, {"memory", 64}, {"exec", exec}};
    int status = 0;
    const auto created = d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << created << d_.log();
    auto stopped = d_.wait_state("hello", "stopped");
    ASSERT_EQ(str(stopped, "state"), "stopped") << stopped;
    const auto& exit = stopped.at("last_exit").as_object();
    EXPECT_EQ(str(exit, "reason"), "exit") << exit;
    EXPECT_EQ(num(exit, "code"), 0) << exit;
    const std::string console = console_of(d_, "hello");
    for (const char* line :
         {"argc: 8", R"(argv[0]: "/bin/hello-musl")", R"(argv[1]: "one")",
          R"(argv[2]: "two words")", R"(argv[3]: "-x")", R"(argv[4]: "it's "q"")", R"(argv[5]: "")",
          R"(argv[6]: "--")", R"(argv[7]: "--help")"}) {
        EXPECT_NE(console.find(line), std::string::npos) << line << "\n" << console;
    }
    // Shown as given, by the API and by `domus config`.
    const auto shown = d_.json("GET", "/v1/domains/hello").as_object();
    EXPECT_EQ(shown.at("exec"), (json::value{{"program", "hello-musl"},
                                             {"args", exec.at("args")},
                                             {"with_busybox", false},
                                             {"overlay", nullptr}}))
        << shown;
    EXPECT_TRUE(shown.at("ramdisk").is_null());
    const auto config = d_.cli({"config", "hello"});
    EXPECT_EQ(config.exit_code, 0) << config.err;
    EXPECT_NE(config.out.find("exec = \"hello-musl\"\nexec_args = [ \"one\", \"two words\", "
                              "\"-x\", \"it's \\\"q\\\"\", \"\", \"--\", \"--help\" ]\n"),
              std::string::npos)
        << config.out;
    // Kept in the state store: a new daemon starts it again the same way.
    d_.terminate();
    ASSERT_TRUE(d_.start()) << d_.log();
    EXPECT_EQ(d_.json("GET", "/v1/domains/hello").as_object().at("exec"), shown.at("exec"));
    d_.json("POST", "/v1/domains/hello/start", "", &status);
    ASSERT_EQ(status, 200) << d_.log();
    stopped = d_.wait_state("hello", "stopped");
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "reason"), "exit") << stopped;
}

TEST_F(DaemonExec, XlCfgWithBusyboxAndAnOverlayThroughDomusCreate) {
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    const std::string site = d_.image_dir() + "/site";
    fs::create_directories(site + "/etc");
    std::ofstream(site + "/etc/motd") << "motd from the overlay\n";
    const std::string cfg = d_.dir() + "/bb.cfg";
    std::ofstream(cfg) << "name = \"bb\"\nmemory = 64\n"
                          "exec = \"hello-musl\"\n"
                          "exec_args = [ \"from\", 'xl cfg' ]\n"
                          "exec_busybox = 1\n"
                          "exec_overlay = \"site\"\n";
    const auto created = d_.cli({"create", cfg});
    ASSERT_EQ(created.exit_code, 0) << created.out << created.err << d_.log();
    const auto stopped = d_.wait_state("bb", "stopped");
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "reason"), "exit") << stopped;
    const std::string console = console_of(d_, "bb");
    EXPECT_NE(console.find(R"(argv[2]: "xl cfg")"), std::string::npos) << console;
    const auto shown = d_.json("GET", "/v1/domains/bb").as_object().at("exec").as_object();
    EXPECT_EQ(shown.at("with_busybox"), json::value(true));
    EXPECT_EQ(str(shown, "overlay"), "site");

    // Busybox and the overlay are in the image: run busybox's sh as the program to look.
    fs::copy_file("/bin/busybox", d_.image_dir() + "/busybox");
    json::object body{
        {"name", "look"},
        {"exec",
         {{"program", "busybox"},
          {"args", json::array{"sh", "-c", "cat /etc/motd; ls /bin/hello-musl /bin/ls; exit 3"}},
          {"with_busybox", true},
          {"overlay", "site"}}}};
    int status = 0;
    d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
    ASSERT_EQ(status, 201) << d_.log();
    const auto looked = d_.wait_state("look", "stopped");
    EXPECT_EQ(num(looked.at("last_exit").as_object(), "code"), 3 << 8) << looked;
    const std::string out = console_of(d_, "look");
    EXPECT_NE(out.find("motd from the overlay"), std::string::npos) << out;
    EXPECT_NE(out.find("/bin/ls"), std::string::npos) << out;
}

TEST_F(DaemonExec, RefusalsNameTheFieldAndLeaveNothing) {
    const std::string images = d_.image_dir();
    fs::copy_file("/bin/ls", images + "/dynamic");
    fs::create_symlink("/bin/busybox", images + "/outside-link");
    fs::create_directories(images + "/withfifo");
    ASSERT_EQ(::mkfifo((images + "/withfifo/pipe").c_str(), 0600), 0);
    std::ofstream(images + "/rd.cpio") << "x";
    struct Case {
        const char* what;
        json::object exec;
        const char* field;
        std::string message;
    } cases[] = {
        {"dynamic",
         {{"program", "dynamic"}},
         "exec.program",
         "'" + images +
             "/dynamic' is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2)"},
        {"absolute outside",
         {{"program", "/bin/busybox"}},
         "exec.program",
         "outside the image dirs"},
        {"relative outside",
         {{"program", "../../../../../../bin/busybox"}},
         "exec.program",
         "outside the image dirs"},
        {"link outside", {{"program", "outside-link"}}, "exec.program", "outside the image dirs"},
        {"missing", {{"program", "nothing-here"}}, "exec.program", "nothing-here"},
        {"a directory", {{"program", "withfifo"}}, "exec.program", "not a regular file"},
        {"overlay outside",
         {{"program", "hello-musl"}, {"overlay", "/etc"}},
         "exec.overlay",
         "outside the image dirs"},
        {"overlay with a FIFO",
         {{"program", "hello-musl"}, {"overlay", "withfifo"}},
         "exec.overlay",
         "withfifo/pipe' is a FIFO"},
        {"bad args type",
         {{"program", "hello-musl"}, {"args", "a b"}},
         "exec.args",
         "must be an array of strings"},
    };
    for (const Case& c : cases) {
        json::object body{{"name", "bad"}, {"exec", c.exec}};
        int status = 0;
        const auto r = d_.json("POST", "/v1/domains?start=true", json::serialize(body), &status);
        EXPECT_EQ(status, 400) << c.what << ": " << r;
        const auto& err = r.as_object().at("error").as_object();
        EXPECT_EQ(str(err, "field"), c.field) << c.what << ": " << r;
        EXPECT_NE(str(err, "message").find(c.message), std::string::npos) << c.what << ": " << r;
    }
    // exec and a ramdisk together.
    json::object both{
        {"name", "bad"}, {"ramdisk", "rd.cpio"}, {"exec", {{"program", "hello-musl"}}}};
    int status = 0;
    const auto r = d_.json("POST", "/v1/domains", json::serialize(both), &status);
    EXPECT_EQ(status, 400) << r;
    EXPECT_EQ(str(r.as_object().at("error").as_object(), "field"), "exec") << r;
    // A cmdline the program's arguments would collide with.
    json::object dashes{
        {"name", "bad"}, {"cmdline", "-- x"}, {"exec", {{"program", "hello-musl"}}}};
    d_.json("POST", "/v1/domains", json::serialize(dashes), &status);
    EXPECT_EQ(status, 400);
    // Nothing was defined, no monitor left a run directory, and a PATCH is checked the same way.
    EXPECT_TRUE(names().empty());
    std::error_code ec;
    EXPECT_TRUE(!fs::exists(d_.state_dir() + "/run", ec) || fs::is_empty(d_.state_dir() + "/run"));
    d_.json("POST", "/v1/domains", R"({"name": "ok", "exec": {"program": "hello-musl"}})", &status);
    ASSERT_EQ(status, 201);
    const auto patched =
        d_.json("PATCH", "/v1/domains/ok", R"({"exec": {"program": "dynamic"}})", &status);
    EXPECT_EQ(status, 400) << patched;
    EXPECT_EQ(str(d_.json("GET", "/v1/domains/ok").as_object().at("exec").as_object(), "program"),
              "hello-musl");
}

}  // namespace
}  // namespace domus::test

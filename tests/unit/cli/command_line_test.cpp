// Option handling of every verb, without a daemon.
#include "cli/command_line.hpp"

#include "cli/exec_args.hpp"

#include <gtest/gtest.h>

namespace domus::cli {
namespace {

ParseOutcome parse(std::vector<std::string> args, const char* env = nullptr) {
    args.insert(args.begin(), "domus");
    return parse_command_line(args, env);
}

Command ok(std::vector<std::string> args, const char* env = nullptr) {
    auto r = parse(std::move(args), env);
    EXPECT_TRUE(r.command.has_value());
    return r.command.value_or(Command{});
}

// A usage error: status 1 and exactly one `domus: error: ...` line on stderr.
std::string usage_error(std::vector<std::string> args) {
    testing::internal::CaptureStderr();
    testing::internal::CaptureStdout();
    auto r = parse(std::move(args));
    const std::string err = testing::internal::GetCapturedStderr();
    testing::internal::GetCapturedStdout();
    EXPECT_FALSE(r.command.has_value());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(err.rfind("domus: error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    return err;
}

TEST(SocketPath, FlagThenEnvironmentThenDefault) {
    EXPECT_EQ(resolve_socket("/a.sock", "/b.sock"), "/a.sock");
    EXPECT_EQ(resolve_socket("", "/b.sock"), "/b.sock");
    EXPECT_EQ(resolve_socket("", ""), kDefaultSocket);
    EXPECT_EQ(resolve_socket("", nullptr), "/run/domus/domusd.sock");
}

TEST(SocketPath, GlobalOptionBeforeOrAfterTheVerb) {
    EXPECT_EQ(ok({"--socket", "/x.sock", "list"}).socket, "/x.sock");
    EXPECT_EQ(ok({"list", "--socket", "/y.sock"}).socket, "/y.sock");
    EXPECT_EQ(ok({"start", "web1", "--socket=/z.sock"}).socket, "/z.sock");
    EXPECT_EQ(ok({"list"}, "/env.sock").socket, "/env.sock");
    EXPECT_EQ(ok({"--socket", "/x.sock", "list"}, "/env.sock").socket, "/x.sock");
    EXPECT_EQ(ok({"list"}).socket, kDefaultSocket);
    EXPECT_EQ(ok({"info", "--socket", "/i.sock"}).socket, "/i.sock");
}

TEST(Verbs, NamedLifecycleVerbs) {
    const std::pair<const char*, Verb> verbs[] = {
        {"start", Verb::start},       {"pause", Verb::pause},     {"unpause", Verb::unpause},
        {"shutdown", Verb::shutdown}, {"reboot", Verb::reboot},   {"destroy", Verb::destroy},
        {"delete", Verb::remove},     {"console", Verb::console}, {"config", Verb::config}};
    for (const auto& [word, verb] : verbs) {
        auto cmd = ok({word, "web1"});
        EXPECT_EQ(cmd.verb, verb) << word;
        EXPECT_EQ(cmd.name, "web1") << word;
        EXPECT_FALSE(cmd.json) << word;
        EXPECT_TRUE(ok({word, "web1", "--json"}).json) << word;
        usage_error({word});  // the name is required
    }
}

TEST(Verbs, BadDomainNamesAreUsageErrors) {
    auto err = usage_error({"start", "../etc"});
    EXPECT_NE(err.find("invalid domain name"), std::string::npos) << err;
    usage_error({"pause", "a/b"});
    usage_error({"list", ".."});
    usage_error({"destroy", std::string(65, 'a')});
    EXPECT_EQ(ok({"list", "Domain-0"}).name, "Domain-0");
    EXPECT_TRUE(plausible_domain_name("web_1.prod-2"));
    EXPECT_FALSE(plausible_domain_name(""));
    EXPECT_FALSE(plausible_domain_name("a b"));
}

TEST(Verbs, Create) {
    auto cmd = ok({"create", "web1.cfg"});
    EXPECT_EQ(cmd.verb, Verb::create);
    EXPECT_EQ(cmd.file, "web1.cfg");
    EXPECT_FALSE(cmd.no_start);
    EXPECT_TRUE(ok({"create", "-n", "web1.cfg"}).no_start);
    EXPECT_TRUE(ok({"create", "web1.cfg", "--no-start"}).no_start);
    EXPECT_EQ(ok({"create", "-"}).file, "-");
    EXPECT_TRUE(ok({"create", "-c", "x.cfg"}).attach);
    usage_error({"create"});
    usage_error({"create", "-n", "-c", "x.cfg"});
}

TEST(Verbs, DiskCreateAndList) {
    auto cmd = ok({"disk-create", "root.img", "64M", "--from-dir", "rootfs"});
    EXPECT_EQ(cmd.verb, Verb::disk_create);
    EXPECT_EQ(cmd.name, "root.img");
    EXPECT_EQ(cmd.image_size, "64M");
    EXPECT_EQ(cmd.from_dir, "rootfs");
    EXPECT_EQ(ok({"disk-create", "a.img", "1G"}).from_dir, "");
    EXPECT_TRUE(ok({"disk-create", "a.img", "1G", "--json"}).json);
    usage_error({"disk-create", "a.img"});
    usage_error({"disk-create"});
    usage_error({"disk-create", "a.img", "1G", "extra"});
    EXPECT_EQ(ok({"disk-list"}).verb, Verb::disk_list);
}

TEST(Verbs, ListNameIsOptional) {
    auto all = ok({"list"});
    EXPECT_EQ(all.verb, Verb::list);
    EXPECT_TRUE(all.name.empty());
    EXPECT_EQ(ok({"list", "web1"}).name, "web1");
    EXPECT_TRUE(ok({"list", "--json"}).json);
}

TEST(Verbs, ShutdownOptions) {
    auto plain = ok({"shutdown", "web1"});
    EXPECT_FALSE(plain.timeout_s.has_value());
    EXPECT_FALSE(plain.wait);
    auto cmd = ok({"shutdown", "web1", "--timeout", "5", "--wait"});
    EXPECT_EQ(cmd.timeout_s, 5u);
    EXPECT_TRUE(cmd.wait);
    EXPECT_TRUE(ok({"shutdown", "-w", "web1"}).wait);
    usage_error({"shutdown", "web1", "--timeout", "soon"});
    usage_error({"shutdown", "web1", "--timeout", "-1"});
}

TEST(Verbs, Events) {
    auto cmd = ok({"events"});
    EXPECT_EQ(cmd.verb, Verb::events);
    EXPECT_FALSE(cmd.follow);
    EXPECT_EQ(cmd.after, 0u);
    auto f = ok({"events", "--follow", "--after", "42", "--json"});
    EXPECT_TRUE(f.follow);
    EXPECT_EQ(f.after, 42u);
    EXPECT_TRUE(f.json);
    EXPECT_TRUE(ok({"events", "-f"}).follow);
}

TEST(Verbs, LocalVerbsKeepTheirOptions) {
    auto run = ok({"run", "--memory", "128", "--vcpus", "2", "--cmdline", "selftest"});
    EXPECT_EQ(run.verb, Verb::run);
    EXPECT_EQ(run.run_config.memory_mib, 128u);
    EXPECT_EQ(run.run_config.vcpus, 2u);
    EXPECT_EQ(run.run_config.cmdline, "selftest");
    EXPECT_EQ(run.run_config.ramdisk_path, "");
    auto rd = ok({"run", "--ramdisk", "/srv/initrd.cpio.gz", "--cmdline", "init=/bin/sh"});
    EXPECT_EQ(rd.run_config.ramdisk_path, "/srv/initrd.cpio.gz");
    EXPECT_EQ(rd.run_config.cmdline, "init=/bin/sh");
    EXPECT_EQ(ok({"version"}).verb, Verb::version);
    auto info = ok({"info", "--json"});
    EXPECT_EQ(info.verb, Verb::info);
    EXPECT_TRUE(info.json);
}

TEST(RunExec, EverythingAfterTheProgramIsItsArgument) {
    auto r = ok({"run", "--memory", "96", "--with-busybox", "--exec", "busybox", "sh", "-c",
                 "echo hi; exit 3", "--memory", "--", "--exec"});
    EXPECT_EQ(r.verb, Verb::run);
    EXPECT_EQ(r.run_config.memory_mib, 96u);
    EXPECT_TRUE(r.run_config.exec.with_busybox);
    EXPECT_EQ(r.run_config.exec.program, "busybox");
    EXPECT_EQ(r.run_config.exec.args, (std::vector<std::string>{"sh", "-c", "echo hi; exit 3",
                                                                "--memory", "--", "--exec"}));
    auto eq = ok({"run", "--overlay", "/srv/root", "--exec=./hello", "a"});
    EXPECT_EQ(eq.run_config.exec.program, "./hello");
    EXPECT_EQ(eq.run_config.exec.overlay, "/srv/root");
    EXPECT_EQ(eq.run_config.exec.args, (std::vector<std::string>{"a"}));
    auto none = ok({"run", "--exec", "./hello"});
    EXPECT_TRUE(none.run_config.exec.args.empty());
    // A value that looks like --exec belongs to its option.
    auto value = ok({"run", "--cmdline", "--exec", "--exec", "./p", "x"});
    EXPECT_EQ(value.run_config.cmdline, "--exec");
    EXPECT_EQ(value.run_config.exec.program, "./p");
    EXPECT_EQ(value.run_config.exec.args, (std::vector<std::string>{"x"}));
    // Another verb's words are never split.
    EXPECT_EQ(ok({"--socket", "/s", "list"}).verb, Verb::list);
    usage_error({"run", "--exec"});
    usage_error({"create", "--exec", "x", "y"});
}

TEST(RunExec, SplitKeepsOtherCommandLinesWhole) {
    const std::vector<std::string> plain = {"domus", "run", "--", "--exec", "x"};
    auto split = split_exec_args(plain);
    EXPECT_EQ(split.options, plain);
    EXPECT_TRUE(split.program_args.empty());
    const std::vector<std::string> global = {"domus", "--socket", "run", "list", "--exec", "x"};
    EXPECT_EQ(split_exec_args(global).options, global);
    const std::vector<std::string> exec = {"domus", "--socket", "/s", "run", "--exec", "p", "a"};
    split = split_exec_args(exec);
    EXPECT_EQ(split.options,
              (std::vector<std::string>{"domus", "--socket", "/s", "run", "--exec", "p"}));
    EXPECT_EQ(split.program_args, (std::vector<std::string>{"a"}));
}

TEST(RunExec, FindsAProgramWithoutASlashInPath) {
    auto sh = find_program("sh", "/nonexistent:/bin");
    ASSERT_TRUE(sh) << sh.error().message;
    EXPECT_EQ(*sh, "/bin/sh");
    EXPECT_EQ(*find_program("./x", nullptr), "./x");  // a path is taken as given
    auto missing = find_program("no-such-program-here", "/bin:/usr/bin");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("'no-such-program-here': no such program in $PATH"),
              std::string::npos);
    EXPECT_FALSE(find_program("passwd", "/etc"));  // not executable
    EXPECT_FALSE(find_program("", "/bin"));
}

TEST(Verbs, UsageErrorsAreOneLine) {
    usage_error({});
    auto err = usage_error({"frobnicate"});
    EXPECT_NE(err.find("frobnicate"), std::string::npos) << err;
    err = usage_error({"run", "--no-such-flag"});
    EXPECT_NE(err.find("no-such-flag"), std::string::npos) << err;
    usage_error({"start", "a", "b"});
}

TEST(Verbs, SchedCreditAndVcpuPin) {
    Command all = ok({"sched-credit"});
    EXPECT_EQ(all.verb, Verb::sched_credit);
    EXPECT_TRUE(all.name.empty());
    EXPECT_FALSE(all.weight.has_value());
    Command set = ok({"sched-credit", "web", "-w", "512", "--cap", "30"});
    EXPECT_EQ(set.name, "web");
    EXPECT_EQ(set.weight, 512u);
    EXPECT_EQ(set.cap, 30u);
    EXPECT_NE(usage_error({"sched-credit", "web", "-w", "0"}).find("-w"), std::string::npos);
    usage_error({"sched-credit", "web", "-w", "65536"});
    usage_error({"sched-credit", "web", "-c", "6401"});
    usage_error({"sched-credit", "web", "-c", "-1"});
    usage_error({"sched-credit", "bad/name"});
    EXPECT_TRUE(ok({"list", "-l"}).long_list);
    Command pin = ok({"vcpu-pin", "web", "all", "0-1"});
    EXPECT_EQ(pin.verb, Verb::vcpu_pin);
    EXPECT_EQ(pin.vcpu, "all");
    EXPECT_EQ(pin.cpus, "0-1");
    usage_error({"vcpu-pin", "web", "0"});
}

TEST(Verbs, HelpExitsZeroOnEveryVerb) {
    for (const char* verb :
         {"run", "info", "version", "create", "list", "start", "pause", "unpause", "shutdown",
          "reboot", "destroy", "delete", "console", "events", "config", "disk-create", "disk-list",
          "sched-credit", "vcpu-pin"}) {
        testing::internal::CaptureStdout();
        auto r = parse({verb, "--help"});
        const std::string out = testing::internal::GetCapturedStdout();
        EXPECT_FALSE(r.command.has_value()) << verb;
        EXPECT_EQ(r.exit_code, 0) << verb;
        EXPECT_NE(out.find("Usage"), std::string::npos) << verb << ": " << out;
    }
    testing::internal::CaptureStdout();
    auto top = parse({"--help"});
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(top.exit_code, 0);
    for (const char* verb : {"create", "list", "console", "events", "shutdown"}) {
        EXPECT_NE(out.find(verb), std::string::npos) << out;
    }
}

}  // namespace
}  // namespace domus::cli

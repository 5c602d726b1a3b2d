// domus-vmm --preserve and dump-core on its control socket, confined as domusd runs it: the
// ended domain is kept, requests that need a running guest are refused, and dump-core writes
// only into a regular file whose descriptor came with the request.
#include <elf.h>
#include <sys/mman.h>

#include <cstring>

#include "vmm_harness.hpp"

namespace domus::test {
namespace {

using namespace vmm_harness;

// Sends `line` with `fd` attached (SCM_RIGHTS) on a new connection; returns the reply line.
std::string request_with_fd(const Vmm& vmm, const std::string& line, int fd) {
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", vmm.path(".ctl").c_str());
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(s);
        return "<not connected>";
    }
    timeval tv{20, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{const_cast<char*>(line.data()), line.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    std::string reply;
    if (::sendmsg(s, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
        char ch;
        while (::recv(s, &ch, 1, 0) == 1 && ch != '\n') reply += ch;
    }
    ::close(s);
    return reply;
}

boost::json::object wait_status_state(Vmm& vmm, const std::string& state) {
    boost::json::object st;
    const auto end = Clock::now() + 10s;
    while (Clock::now() < end) {
        st = vmm.op("status");
        if (str(st, "state") == state) break;
        std::this_thread::sleep_for(20ms);
    }
    return st;
}

TEST(VmmPreserve, CrashedDomainIsKeptForDumpCoreUntilDestroyed) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "crash", "--preserve", "crash"});
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    auto st = wait_status_state(vmm, "crashed");
    ASSERT_EQ(str(st, "state"), "crashed") << boost::json::serialize(st) << vmm.log();
    EXPECT_EQ(st["preserved"], true);
    ASSERT_TRUE(st["exit"].is_object()) << boost::json::serialize(st);
    EXPECT_EQ(str(st["exit"].as_object(), "reason"), "crash");
    EXPECT_EQ(vmm.wait(300ms), -1) << "the monitor must stay";

    // What needs a running guest is refused, naming why.
    for (const char* op : {"pause", "unpause", "shutdown", "reboot"}) {
        auto r = vmm.op(op);
        EXPECT_EQ(r["ok"], false) << op;
        EXPECT_NE(str(r, "error").find("crashed and preserved"), std::string::npos)
            << op << ": " << boost::json::serialize(r);
    }
    // dump-core needs a descriptor, on a regular file.
    auto none = vmm.op("dump-core");
    EXPECT_EQ(none["ok"], false);
    EXPECT_NE(str(none, "error").find("no file descriptor"), std::string::npos)
        << boost::json::serialize(none);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    auto piped = parse(request_with_fd(vmm, "{\"op\":\"dump-core\"}\n", p[1]));
    ::close(p[0]);
    ::close(p[1]);
    EXPECT_EQ(piped["ok"], false);
    EXPECT_NE(str(piped, "error").find("not a regular file"), std::string::npos)
        << boost::json::serialize(piped);

    const int file = ::memfd_create("core", MFD_CLOEXEC);
    ASSERT_GE(file, 0);
    auto dumped = parse(request_with_fd(vmm, "{\"op\":\"dump-core\"}\n", file));
    ASSERT_EQ(dumped["ok"], true) << boost::json::serialize(dumped) << vmm.log();
    struct stat fst {};
    ASSERT_EQ(::fstat(file, &fst), 0);
    EXPECT_EQ(dumped["bytes"].to_number<int64_t>(), fst.st_size);
    EXPECT_GT(fst.st_size, 32 << 20);  // 32 MiB of RAM plus the headers
    Elf64_Ehdr eh{};
    ASSERT_EQ(::pread(file, &eh, sizeof eh, 0), static_cast<ssize_t>(sizeof eh));
    ::close(file);
    EXPECT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(eh.e_type, ET_CORE);
    EXPECT_EQ(str(vmm.op("status"), "state"), "crashed");

    // destroy releases it: the exit record keeps the crash, and says how it ended.
    EXPECT_EQ(vmm.op("destroy")["ok"], true);
    EXPECT_EQ(vmm.wait(), 2) << vmm.log();  // the crash's exit status, as without preserve
    auto exit = parse(slurp(vmm.path(".exit")));
    EXPECT_EQ(str(exit, "reason"), "crash") << slurp(vmm.path(".exit"));
    EXPECT_NE(str(exit, "detail").find("preserved, then released by a destroy request"),
              std::string::npos)
        << slurp(vmm.path(".exit"));
}

TEST(VmmPreserve, RunningDomainIsPausedOnlyWhileItsCoreIsWritten) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    const int file = ::memfd_create("core", MFD_CLOEXEC);
    ASSERT_GE(file, 0);
    auto dumped = parse(request_with_fd(vmm, "{\"op\":\"dump-core\"}\n", file));
    ::close(file);
    ASSERT_EQ(dumped["ok"], true) << boost::json::serialize(dumped) << vmm.log();
    auto st = vmm.op("status");
    EXPECT_EQ(str(st, "state"), "running");
    EXPECT_EQ(st["preserved"], false);
    // Without --preserve a guest's end still ends the monitor.
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

TEST(VmmPreserve, PowerOffIsPreservedAsStopped) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--preserve", "poweroff"});
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    auto st = wait_status_state(vmm, "stopped");
    EXPECT_EQ(str(st, "state"), "stopped") << boost::json::serialize(st) << vmm.log();
    EXPECT_EQ(st["preserved"], true);
    EXPECT_EQ(vmm.wait(300ms), -1);
    ::kill(vmm.pid(), SIGTERM);  // a signal releases it too
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

TEST(VmmPreserve, UnknownPreserveValueIsRefusedAtStart) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--preserve", "sometimes"});
    auto hs = parse(vmm.handshake());
    EXPECT_EQ(hs["ok"], false);
    EXPECT_NE(str(hs, "error").find("'sometimes'"), std::string::npos) << vmm.handshake();
    EXPECT_EQ(vmm.wait(), 1);
}

}  // namespace
}  // namespace domus::test

// domusd's `socket-group`: the name check (pure, hostile values), the lookup in the group
// database, the config key, and a real socket file given to a group.
#include "api/socket_group.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

#include "api/daemon_config.hpp"

namespace domus::api {
namespace {

TEST(SocketGroup, NamesAsGroupaddTakesThemOrNumbers) {
    for (const char* ok : {"domus", "_domus", "kvm-users", "a1_b", "0", "4294967294"}) {
        EXPECT_TRUE(check_group_name(ok)) << ok;
    }
    for (const char* bad : {"", "Domus", "1abc", "-x", "a b", "a/b", "a:b", "4294967295",
                            "99999999999999999999", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
        auto st = check_group_name(bad);
        ASSERT_FALSE(st) << bad;
        EXPECT_NE(st.error().message.find("socket-group"), std::string::npos);
    }
    EXPECT_FALSE(check_group_name(std::string("a\0b", 3)));
}

TEST(SocketGroup, LooksUpTheGroupDatabase) {
    auto root = lookup_group("root");
    ASSERT_TRUE(root) << root.error().message;
    EXPECT_EQ(*root, 0u);
    EXPECT_EQ(*lookup_group("1234"), 1234u);
    auto missing = lookup_group("no-such-group-domus");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("\"no-such-group-domus\" does not exist"),
              std::string::npos);
    EXPECT_FALSE(lookup_group("Bad Name"));
}

TEST(SocketGroup, FindsTheGroupInAGroupFile) {
    const std::string text =
        "root:x:0:\nbroken line\nkvm:x:notanumber:\nkvm:x:104:\ndomus:x:101:alice,bob\n"
        "big:x:4294967295:\nshort:x\nlast:x:7";
    EXPECT_EQ(*find_group(text, "root"), 0u);
    EXPECT_EQ(*find_group(text, "kvm"), 104u);  // the malformed line before it is skipped
    EXPECT_EQ(*find_group(text, "domus"), 101u);
    EXPECT_EQ(*find_group(text, "last"), 7u);
    EXPECT_FALSE(find_group(text, "big"));
    EXPECT_FALSE(find_group(text, "short"));
    EXPECT_FALSE(find_group(text, "dom"));  // no prefix match
    EXPECT_FALSE(find_group("", "root"));
    char tmpl[] = "/tmp/domus-group-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    EXPECT_EQ(*lookup_group("domus", tmpl), 101u);
    EXPECT_FALSE(lookup_group("domus", "/nonexistent/group"));
    ::unlink(tmpl);
}

TEST(SocketGroup, IsAConfigKey) {
    DaemonConfig c;
    ASSERT_TRUE(apply_config_text("socket-group = domus\n", c));
    EXPECT_EQ(c.socket_group, "domus");
    ASSERT_TRUE(apply_config_text("socket_group = \"kvm\"\n", c));
    EXPECT_EQ(c.socket_group, "kvm");
    auto st = apply_config_text("# x\nsocket-group = No Such\n", c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("line 2"), std::string::npos) << st.error().message;
    EXPECT_EQ(c.socket_group, "kvm");  // unchanged
}

TEST(SocketGroup, GivesASocketFileToTheGroup) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown to another group needs root";
    char tmpl[] = "/tmp/domus-socket-group-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string path = std::string(tmpl) + "/s.sock";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_TRUE(set_socket_group(path, 4321));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_gid, 4321u);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_FALSE(set_socket_group(std::string(tmpl) + "/missing", 4321));
    ::close(fd);
    EXPECT_EQ(std::system(("rm -rf " + std::string(tmpl)).c_str()), 0);
}

}  // namespace
}  // namespace domus::api

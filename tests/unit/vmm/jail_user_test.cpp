// The monitor's user (src/vmm/jail_user.hpp): UID:GID and /etc/passwd lookups, hostile text.
#include "vmm/jail_user.hpp"

#include <gtest/gtest.h>

namespace domus::vmm {
namespace {

TEST(JailUser, UidGidParses) {
    auto u = parse_jail_user("65534:65534");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->uid, 65534u);
    EXPECT_EQ(u->gid, 65534u);
    EXPECT_EQ(format_jail_user(*u), "65534:65534");
    EXPECT_EQ(parse_jail_user("0:0").value(), (JailUser{0, 0}));
    EXPECT_EQ(parse_jail_user("4294967294:1").value().uid, 4294967294u);
}

TEST(JailUser, BadUidGidIsRefusedByName) {
    for (const char* bad : {"", ":", "1", "1:", ":1", "a:b", "1:2:3", " 1:2", "1:2 ", "+1:2",
                            "-1:2", "4294967295:1", "1:4294967295", "99999999999:1", "0x10:1"}) {
        auto u = parse_jail_user(bad);
        ASSERT_FALSE(u.ok()) << bad;
        EXPECT_NE(u.error().message.find("UID:GID"), std::string::npos) << u.error().message;
        EXPECT_NE(u.error().message.find(std::string("'") + bad), std::string::npos)
            << u.error().message;
    }
}

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "broken\n"
    "half:x:12\n"
    "nob:x:1:1::/:/bin/false\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "weird:x:abc:1::/:/bin/false\n"
    "domus:x:999:998::/var/lib/domus:/usr/sbin/nologin";  // no final newline

TEST(JailUser, NamesResolveThroughPasswd) {
    EXPECT_EQ(resolve_jail_user("nobody", kPasswd).value(), (JailUser{65534, 65534}));
    EXPECT_EQ(resolve_jail_user("domus", kPasswd).value(), (JailUser{999, 998}));
    EXPECT_EQ(resolve_jail_user("nob", kPasswd).value(), (JailUser{1, 1}));
    EXPECT_EQ(resolve_jail_user("7:8", kPasswd).value(), (JailUser{7, 8}));
}

TEST(JailUser, UnknownOrBrokenEntriesAreErrors) {
    auto missing = resolve_jail_user("nobod", kPasswd);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("'nobod'"), std::string::npos);
    EXPECT_NE(missing.error().message.find("no such user"), std::string::npos);
    EXPECT_FALSE(resolve_jail_user("half", kPasswd).ok());
    EXPECT_FALSE(resolve_jail_user("broken", kPasswd).ok());
    auto weird = resolve_jail_user("weird", kPasswd);
    ASSERT_FALSE(weird.ok());
    EXPECT_NE(weird.error().message.find("no valid uid"), std::string::npos);
    EXPECT_FALSE(resolve_jail_user("", kPasswd).ok());
    EXPECT_FALSE(resolve_jail_user("nobody", "").ok());
    EXPECT_FALSE(resolve_jail_user("x:y", kPasswd).ok());
}

}  // namespace
}  // namespace domus::vmm

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

TEST(JailUidRange, ParsesAndFormats) {
    auto r = parse_jail_uid_range("200000-265535");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, (JailUidRange{200000, 265535}));
    EXPECT_EQ(format_jail_uid_range(*r), "200000-265535");
    EXPECT_EQ(parse_jail_uid_range("7-7").value(), (JailUidRange{7, 7}));
    EXPECT_EQ(parse_jail_uid_range("1-4294967294").value(), (JailUidRange{1, 4294967294u}));
}

TEST(JailUidRange, BadRangesAreRefusedByName) {
    for (const char* bad :
         {"", "-", "1", "1-", "-5", "a-b", "1-2-3", " 1-2", "1-2 ", "+1-2", "1:2", "0x10-0x20",
          "4294967295-4294967295", "1-4294967295", "99999999999-1"}) {
        auto r = parse_jail_uid_range(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().message.find("FIRST-LAST"), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find(std::string("'") + bad), std::string::npos)
            << r.error().message;
    }
    auto root = parse_jail_uid_range("0-100");
    ASSERT_FALSE(root.ok());
    EXPECT_NE(root.error().message.find("uid 0 (root)"), std::string::npos);
    auto reversed = parse_jail_uid_range("300-200");
    ASSERT_FALSE(reversed.ok());
    EXPECT_NE(reversed.error().message.find("'300-200': LAST is below FIRST"), std::string::npos)
        << reversed.error().message;
}

TEST(JailUidRange, EachDomainGetsItsOwnUidOrAClearRefusal) {
    const JailUidRange r{200000, 200009};
    EXPECT_EQ(jail_user_for_domain(r, 0).value(), (JailUser{200000, 200000}));
    EXPECT_EQ(jail_user_for_domain(r, 3).value(), (JailUser{200003, 200003}));
    EXPECT_EQ(jail_user_for_domain(r, 9).value(), (JailUser{200009, 200009}));
    for (int64_t id : {int64_t{10}, int64_t{-1}, INT64_MAX, INT64_MIN}) {
        auto u = jail_user_for_domain(r, id);
        ASSERT_FALSE(u.ok()) << id;
        EXPECT_NE(u.error().message.find("domain id " + std::to_string(id) +
                                         " has no uid in vmm-uid-range 200000-200009"),
                  std::string::npos)
            << u.error().message;
    }
    // The top of the uid space: FIRST + id never wraps.
    const JailUidRange top{4294967290u, 4294967294u};
    EXPECT_EQ(jail_user_for_domain(top, 4).value().uid, 4294967294u);
    EXPECT_FALSE(jail_user_for_domain(top, 5).ok());
}

constexpr const char* kGroup =
    "root:x:0:\n"
    "broken\n"
    "kvm:x:104:domus\n"
    "odd:x:abc:\n"
    "nogroup:x:65534:";

TEST(JailUidRange, ARangeHoldingAnAccountIsNamed) {
    EXPECT_EQ(account_in_range({200000, 265535}, kPasswd, kGroup), "");
    EXPECT_EQ(account_in_range({65534, 65534}, kPasswd, kGroup), "user 'nobody' (uid 65534)");
    EXPECT_EQ(account_in_range({998, 998}, kPasswd, kGroup), "user 'domus' (gid 998)");
    EXPECT_EQ(account_in_range({100, 110}, kPasswd, kGroup), "group 'kvm' (gid 104)");
    EXPECT_EQ(account_in_range({1, 1}, kPasswd, kGroup), "user 'nob' (uid 1)");
    // Broken lines and ids that are not numbers are skipped, not matched.
    EXPECT_EQ(account_in_range({12, 12}, kPasswd, kGroup), "");
    EXPECT_EQ(account_in_range({1, 4294967294u}, "", ""), "");
}

}  // namespace
}  // namespace domus::vmm

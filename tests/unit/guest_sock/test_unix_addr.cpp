// AF_UNIX addresses: paths end at their first NUL, abstract names keep every byte, lengths
// outside (2, 110] and other families are EINVAL, autobind is the family alone.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "sock/msg_parse.hpp"

namespace {

using namespace sock;

std::string sockaddr(const std::string& path, uint16_t family = af::UNIX) {
    std::string s(2, '\0');
    std::memcpy(s.data(), &family, 2);
    return s + path;
}

const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

TEST(UnixAddr, Paths) {
    const std::string a = sockaddr(std::string("/tmp/x.sock") + '\0' + "junk");
    UnixAddr u;
    ASSERT_EQ(parse_unix_addr(bytes(a), uint32_t(a.size()), &u), 0);
    EXPECT_FALSE(u.abstract);
    EXPECT_EQ(u.len, 11u);
    EXPECT_STREQ(reinterpret_cast<const char*>(u.bytes), "/tmp/x.sock");
    uint8_t out[kUnixAddrOut];
    EXPECT_EQ(encode_unix_addr(u, out), 2u + 11 + 1);
    EXPECT_EQ(std::memcmp(out + 2, "/tmp/x.sock", 12), 0);
    // No NUL within the length: the path is the whole of it (108 bytes at most).
    const std::string full = sockaddr(std::string(108, 'p'));
    ASSERT_EQ(parse_unix_addr(bytes(full), uint32_t(full.size()), &u), 0);
    EXPECT_EQ(u.len, 108u);
    EXPECT_EQ(u.bytes[108], 0);
    EXPECT_EQ(encode_unix_addr(u, out), 111u);
    // The length given, not the string, bounds it.
    const std::string cut = sockaddr("/abcdef");
    ASSERT_EQ(parse_unix_addr(bytes(cut), 5, &u), 0);
    EXPECT_EQ(u.len, 3u);
}

TEST(UnixAddr, Abstract) {
    const std::string a = sockaddr(std::string("\0name\0with-nul", 15));
    UnixAddr u;
    ASSERT_EQ(parse_unix_addr(bytes(a), uint32_t(a.size()), &u), 0);
    EXPECT_TRUE(u.abstract);
    EXPECT_EQ(u.len, 15u);
    uint8_t out[kUnixAddrOut];
    EXPECT_EQ(encode_unix_addr(u, out), 17u);
    EXPECT_EQ(std::memcmp(out + 2, a.data() + 2, 15), 0);
    // A single NUL is a (one-byte) abstract name.
    const std::string one = sockaddr(std::string(1, '\0'));
    ASSERT_EQ(parse_unix_addr(bytes(one), 3, &u), 0);
    EXPECT_TRUE(u.abstract);
    EXPECT_EQ(u.len, 1u);
}

TEST(UnixAddr, Refused) {
    UnixAddr u;
    const std::string a = sockaddr("/x");
    EXPECT_EQ(parse_unix_addr(bytes(a), 0, &u), -EINVAL);
    EXPECT_EQ(parse_unix_addr(bytes(a), 2, &u), -EINVAL);  // family only: not an address
    const std::string big = sockaddr(std::string(120, 'x'));
    EXPECT_EQ(parse_unix_addr(bytes(big), 111, &u), -EINVAL);
    const std::string inet = sockaddr("/x", af::INET);
    EXPECT_EQ(parse_unix_addr(bytes(inet), uint32_t(inet.size()), &u), -EINVAL);
    EXPECT_TRUE(is_unix_autobind(bytes(a), 2));
    EXPECT_FALSE(is_unix_autobind(bytes(a), 3));
    EXPECT_FALSE(is_unix_autobind(bytes(inet), 2));
}

}  // namespace

// The bridge and TAP lifecycle against the real kernel, in a network namespace each test makes
// in a child process (nothing touches the machine's interfaces); and /dev/net/tun's absence.
#include "hostnet/host_links.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "hostnet/tap_device.hpp"

namespace domus::hostnet {
namespace {

using ::testing::HasSubstr;

// Runs `body` in a forked child inside a fresh network namespace; its gtest failures make the
// child exit 1. Skips when the namespace cannot be made.
void in_fresh_netns(const std::function<void(Netlink&)>& body) {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/net/tun is absent";
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::unshare(CLONE_NEWNET) != 0) ::_exit(77);
        auto nl = Netlink::open();
        if (!nl) ::_exit(2);
        body(*nl);
        ::_exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) GTEST_SKIP() << "unshare needs root";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST(HostLinks, BridgeIsMadeAddressedUpAndIdempotent) {
    in_fresh_netns([](Netlink& nl) {
        const Ipv4 gw = *parse_ipv4("10.5.0.1").value;
        ASSERT_TRUE(ensure_bridge(nl, "br-test", gw, 24).ok());
        auto st = ensure_bridge(nl, "br-test", gw, 24);  // a second daemon start
        EXPECT_TRUE(st.ok()) << st.error().message;
        auto br = nl.link("br-test");
        ASSERT_TRUE(br.ok() && br->has_value());
        EXPECT_EQ((*br)->kind, "bridge");
        EXPECT_TRUE((*br)->up());
        auto lo = ensure_bridge(nl, "lo", gw, 24);
        ASSERT_FALSE(lo.ok());
        EXPECT_THAT(lo.error().message, HasSubstr("\"lo\" exists and is not a bridge"));
    });
}

TEST(HostLinks, TapIsAttachedMarkedAndRemovedOnlyByItsOwner) {
    in_fresh_netns([](Netlink& nl) {
        ASSERT_TRUE(ensure_bridge(nl, "br0", *parse_ipv4("10.5.0.1").value, 24).ok());
        auto st = add_tap(nl, "tap-a", "br0", "owner-1");
        ASSERT_TRUE(st.ok()) << st.error().message;
        auto br = nl.link("br0");
        auto tap = nl.link("tap-a");
        ASSERT_TRUE(tap.ok() && tap->has_value());
        EXPECT_EQ((*tap)->kind, "tun");
        EXPECT_EQ((*tap)->master, (*br)->index);
        EXPECT_EQ((*tap)->alias, "owner-1");
        EXPECT_TRUE((*tap)->up());
        ASSERT_TRUE((*tap)->stats.has_value());

        // The same name again: taken, and the first one is untouched.
        auto again = add_tap(nl, "tap-a", "br0", "owner-2");
        ASSERT_FALSE(again.ok());
        EXPECT_EQ(again.error().code, Errc::invalid_argument);
        EXPECT_THAT(again.error().message, HasSubstr("\"tap-a\" is taken"));
        EXPECT_TRUE(nl.link("tap-a")->has_value());
        // A bridge's name is taken too.
        EXPECT_FALSE(add_tap(nl, "br0", "br0", "o").ok());
        EXPECT_EQ((*nl.link("br0"))->kind, "bridge");

        // Another owner's remove leaves it; its owner's removes it; a second remove is a no-op.
        EXPECT_EQ(*remove_tap(nl, "tap-a", "owner-2"), false);
        EXPECT_TRUE(nl.link("tap-a")->has_value());
        EXPECT_EQ(*remove_tap(nl, "tap-a", "owner-1"), true);
        EXPECT_FALSE(nl.link("tap-a")->has_value());
        EXPECT_EQ(*remove_tap(nl, "tap-a", "owner-1"), false);
        EXPECT_EQ(*remove_tap(nl, "br0", ""), false) << "a bridge is never removed as a TAP";

        auto nobridge = add_tap(nl, "tap-b", "missing0", "o");
        EXPECT_THAT(nobridge.error().message, HasSubstr("\"missing0\" does not exist"));
        EXPECT_FALSE(nl.link("tap-b")->has_value());
        EXPECT_FALSE(nl.link("nonexistent")->has_value());
    });
}

TEST(TapDevice, MissingTunDeviceIsNamedAndNothingIsMade) {
    auto st = create_persistent_tap("tap-x", "/nonexistent/net/tun");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::unsupported);
    EXPECT_THAT(st.error().message, HasSubstr("/nonexistent/net/tun"));
    EXPECT_THAT(st.error().message, HasSubstr("\"tap-x\""));
    auto bad = create_persistent_tap("a/b");
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace domus::hostnet

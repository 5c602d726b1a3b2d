// The per-name lock map stays small however many names are asked for.
#include "control/name_locks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace domus::control {
namespace {

TEST(NameLocks, TenThousandUnheldNamesLeaveTheMapSmall) {
    NameLocks locks;
    for (int i = 0; i < 10000; ++i) {
        auto m = locks.get("no-such-domain-" + std::to_string(i));
        std::lock_guard hold(*m);
    }
    EXPECT_LE(locks.size(), 64u);
}

TEST(NameLocks, HeldEntriesSurviveASweepAndAreShared) {
    NameLocks locks;
    std::vector<std::shared_ptr<std::mutex>> held;
    for (int i = 0; i < 100; ++i) held.push_back(locks.get("held-" + std::to_string(i)));
    for (int i = 0; i < 10000; ++i) (void)locks.get("gone-" + std::to_string(i));
    EXPECT_GE(locks.size(), 100u);
    EXPECT_LE(locks.size(), 2 * 100u + 64u);
    // The same name gives the same mutex while someone holds it.
    for (int i = 0; i < 100; ++i) EXPECT_EQ(locks.get("held-" + std::to_string(i)), held[i]);
}

TEST(NameLocks, ADroppedNameGetsAFreshMutexThatWorks) {
    NameLocks locks;
    auto a = locks.get("a");
    EXPECT_TRUE(a->try_lock());
    a->unlock();
    a.reset();
    auto b = locks.get("a");
    EXPECT_TRUE(b->try_lock());
    b->unlock();
}

}  // namespace
}  // namespace domus::control

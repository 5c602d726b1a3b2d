// What the guest tests expect of every domain, and how they report it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {

#define DOMUS_REQUIRE_GUEST_IMAGES()                  \
    do {                                              \
        DOMUS_REQUIRE_KVM();                          \
        const std::string problem = images_problem(); \
        ASSERT_TRUE(problem.empty()) << problem;      \
    } while (0)

inline bool contains(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

inline bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

// What every domain must show whatever the program did: the kernel did not crash.
inline void expect_kernel_healthy(const GuestResult& g) {
    EXPECT_FALSE(g.timed_out) << "the domain did not finish\n" << g.console;
    EXPECT_NE(g.exit_code, 125) << "Domus itself failed: " << g.err;
    for (const char* bad : {"panic", "exception", "BUG", "assert"}) {
        EXPECT_FALSE(any_contains(g.kernel_lines, bad))
            << "kernel message with \"" << bad << "\":\n"
            << g.kernel_text();
    }
}

inline std::string context(const GuestResult& g) {
    return "\nguest console:\n" + g.console + "domus stderr: " + g.err;
}

}  // namespace domus::test::guest

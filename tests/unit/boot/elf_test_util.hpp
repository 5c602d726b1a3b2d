// Shared helpers for the ELF loader tests.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "boot/elf_loader.hpp"
#include "elf_builder.hpp"

namespace domus::test {

inline constexpr ElfLimits kLimits{0x4000000, DOMUS_GPA_KERNEL_MIN};  // 64 MiB of RAM

// Success when parse_elf rejects `file` with bad_image and a one-line message containing every
// needle; otherwise a failure that shows what happened instead.
inline testing::AssertionResult rejected_with(const std::vector<uint8_t>& file,
                                              std::initializer_list<std::string> needles,
                                              const ElfLimits& limits = kLimits) {
    auto r = parse_elf(file, limits);
    if (r.ok()) return testing::AssertionFailure() << "parse_elf accepted the image";
    const Error& e = r.error();
    if (e.code != Errc::bad_image) {
        return testing::AssertionFailure() << "error code is not bad_image: " << e.message;
    }
    if (e.message.find('\n') != std::string::npos) {
        return testing::AssertionFailure() << "message is not one line: " << e.message;
    }
    for (const std::string& n : needles) {
        if (e.message.find(n) == std::string::npos) {
            return testing::AssertionFailure()
                   << "message \"" << e.message << "\" does not contain \"" << n << "\"";
        }
    }
    return testing::AssertionSuccess() << e.message;
}

}  // namespace domus::test

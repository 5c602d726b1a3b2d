// Runs guest/proc/elf the way exec does (guest/proc/exec.cpp): parse_header on the first bytes
// of the file (at most 256, what exec reads), then parse_segments on the phnum * 56 bytes at
// e_phoff. Both buffers are exactly sized heap copies, so ASan (the debug preset) catches a read
// one byte past either.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "proc/elf.hpp"
#include "user_elf.hpp"

namespace guest_proc_test {

inline constexpr int kENOEXEC = 8;
inline constexpr size_t kExecHeadBytes = 256;

inline std::unique_ptr<uint8_t[]> exact_copy(const uint8_t* bytes, size_t length) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[length ? length : 1]);
    if (length) std::memcpy(copy.get(), bytes, length);
    return copy;
}

struct Parsed {
    elf::Result result{};
    elf::Program program{};
    bool header_ok = false;  // parse_header accepted (parse_segments ran)

    bool ok() const { return result.error == 0; }
    std::string problem() const { return result.problem ? result.problem : "(none)"; }
};

inline Parsed parse_file(const std::vector<uint8_t>& file, uint64_t user_min = kUserMin,
                         uint64_t user_top = kUserTop, size_t head_bytes = kExecHeadBytes) {
    Parsed out;
    const size_t head_len = std::min(file.size(), head_bytes);
    auto head = exact_copy(file.data(), head_len);
    out.result = elf::parse_header(head.get(), head_len, file.size(), &out.program);
    if (out.result.error != 0) return out;
    out.header_ok = true;
    const uint64_t phoff = out.program.phoff;
    const uint64_t bytes = uint64_t(out.program.phnum) * elf::kPhdrSize;
    // parse_header promised this; exec's pread relies on it.
    if (phoff > file.size() || bytes > file.size() - phoff) {
        ADD_FAILURE() << "parse_header accepted program headers outside the file";
        out.result = elf::Result{-kENOEXEC, "test: headers outside the file"};
        return out;
    }
    auto phdrs = exact_copy(file.data() + phoff, bytes);
    out.result =
        elf::parse_segments(phdrs.get(), bytes, file.size(), user_min, user_top, &out.program);
    return out;
}

inline Parsed parse_image(const UserElf& image, uint64_t user_min = kUserMin,
                          uint64_t user_top = kUserTop) {
    return parse_file(image.build(), user_min, user_top);
}

// A refusal as the parser promises it: -ENOEXEC and a problem naming `why`.
inline ::testing::AssertionResult refused(const Parsed& p, const char* why) {
    if (p.result.error == 0)
        return ::testing::AssertionFailure() << "accepted (wanted: " << why << ")";
    if (p.result.error != -kENOEXEC) {
        return ::testing::AssertionFailure()
               << "error " << p.result.error << " instead of -ENOEXEC";
    }
    if (p.result.problem == nullptr) return ::testing::AssertionFailure() << "no problem string";
    if (std::strstr(p.result.problem, why) == nullptr) {
        return ::testing::AssertionFailure()
               << "problem \"" << p.result.problem << "\" (wanted \"" << why << "\")";
    }
    return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult accepted(const Parsed& p) {
    if (p.result.error != 0) {
        return ::testing::AssertionFailure() << "refused: " << p.result.error << " " << p.problem();
    }
    if (p.result.problem != nullptr) {
        return ::testing::AssertionFailure() << "accepted with a problem: " << p.result.problem;
    }
    return ::testing::AssertionSuccess();
}

}  // namespace guest_proc_test

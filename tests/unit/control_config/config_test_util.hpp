// Shared helpers for the configuration parser tests: parse and expect success or an error.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control::testing_util {

using ::testing::HasSubstr;

inline DomainConfig json_ok(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_config_json(text, limits);
    EXPECT_TRUE(r.ok()) << "input: " << text << "\nerror: " << r.error.message;
    return r.value.value_or(DomainConfig{});
}

inline ConfigError json_error(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_config_json(text, limits);
    EXPECT_FALSE(r.ok()) << "input: " << text;
    return r.error;
}

inline DomainConfig xl_ok(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_config_xl(text, limits);
    EXPECT_TRUE(r.ok()) << "input: " << text << "\nerror: " << r.error.message;
    return r.value.value_or(DomainConfig{});
}

inline ConfigError xl_error(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_config_xl(text, limits);
    EXPECT_FALSE(r.ok()) << "input: " << text;
    return r.error;
}

inline DomainConfigPatch patch_ok(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_patch_json(text, limits);
    EXPECT_TRUE(r.ok()) << "input: " << text << "\nerror: " << r.error.message;
    return r.value.value_or(DomainConfigPatch{});
}

inline ConfigError patch_error(std::string_view text, const ConfigLimits& limits = {}) {
    auto r = parse_patch_json(text, limits);
    EXPECT_FALSE(r.ok()) << "input: " << text;
    return r.error;
}

// A JSON document {"name":"a", <extra>}: one field under test next to a valid name.
inline std::string with_name(const std::string& extra) {
    return "{\"name\":\"a\"," + extra + "}";
}

// Messages are printable ASCII whatever the input was.
inline bool printable_ascii(std::string_view s) {
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
            return false;
        }
    }
    return true;
}

inline bool same_config(const DomainConfig& a, const DomainConfig& b) {
    return a.name == b.name && a.memory == b.memory && a.vcpus == b.vcpus && a.kernel == b.kernel &&
           a.ramdisk == b.ramdisk && a.cmdline == b.cmdline && a.on_poweroff == b.on_poweroff &&
           a.on_reboot == b.on_reboot && a.on_crash == b.on_crash && a.disks == b.disks &&
           a.nics == b.nics;
}

}  // namespace domus::control::testing_util

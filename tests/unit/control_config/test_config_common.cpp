// Policies, states, domain names, whole-config validation, serialisation and message quoting.
#include <string>

#include "config_test_util.hpp"
#include "control/domain_state.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

TEST(ConfigCommon, PolicyNamesRoundTrip) {
    for (Policy p : {Policy::destroy, Policy::restart, Policy::preserve}) {
        EXPECT_EQ(policy_from_string(to_string(p)), p);
    }
    EXPECT_STREQ(to_string(Policy::preserve), "preserve");
    for (const char* bad : {"", "Destroy", "restart ", "rename-restart", "coredump-destroy"}) {
        EXPECT_FALSE(policy_from_string(bad).has_value()) << bad;
    }
}

TEST(ConfigCommon, StateNamesRoundTrip) {
    const DomainState all[] = {DomainState::stopped, DomainState::running, DomainState::paused,
                               DomainState::shutting_down, DomainState::crashed};
    for (DomainState s : all) EXPECT_EQ(state_from_string(to_string(s)), s);
    EXPECT_STREQ(to_string(DomainState::shutting_down), "shutting-down");
    for (const char* bad : {"", "shutting_down", "Running", "dead"}) {
        EXPECT_FALSE(state_from_string(bad).has_value()) << bad;
    }
}

TEST(ConfigCommon, DomainNameSyntax) {
    for (const char* good : {"a", "web1", "web-1.example_x", "A.B-c_9", "...", "-x", "Domain-0"}) {
        EXPECT_TRUE(valid_domain_name(good)) << good;
    }
    EXPECT_TRUE(valid_domain_name(std::string(64, 'n')));
    EXPECT_FALSE(valid_domain_name(std::string(65, 'n')));
    for (const char* bad : {"", ".", "..", "a b", "a/b", "a:b", "caf\xc3\xa9", "a\tb", "a\"b"}) {
        EXPECT_FALSE(valid_domain_name(bad)) << bad;
    }
    EXPECT_FALSE(valid_domain_name(std::string("a\0b", 3)));
}

TEST(ConfigCommon, Domain0IsReservedInAnyCase) {
    for (const char* n : {"Domain-0", "domain-0", "DOMAIN-0", "dOmAiN-0"}) {
        EXPECT_TRUE(is_reserved_domain_name(n)) << n;
    }
    for (const char* n : {"Domain-1", "Domain-00", "Domain0", "Domain_0", "xDomain-0", ""}) {
        EXPECT_FALSE(is_reserved_domain_name(n)) << n;
    }
}

DomainConfig valid_config() {
    DomainConfig c;
    c.name = "web1";
    return c;
}

TEST(ConfigCommon, ValidateAcceptsDefaultsAndBounds) {
    DomainConfig c = valid_config();
    EXPECT_FALSE(validate_config(c).has_value());
    c.memory = 4;
    c.vcpus = 64;
    c.cmdline = std::string(1023, 'c');
    c.kernel = "/" + std::string(4094, 'k');
    c.ramdisk = "/" + std::string(4094, 'r');
    EXPECT_FALSE(validate_config(c).has_value());
    c.memory = 32768;
    EXPECT_FALSE(validate_config(c).has_value());
}

TEST(ConfigCommon, ValidateNamesEachBadField) {
    struct Case {
        void (*mutate)(DomainConfig&);
        const char* field;
        const char* message;
    };
    const Case cases[] = {
        {[](DomainConfig& c) { c.name.clear(); }, "name", "name is required"},
        {[](DomainConfig& c) { c.name = "a b"; }, "name",
         "name \"a b\" is not a valid domain name"},
        {[](DomainConfig& c) { c.name = "DOMAIN-0"; }, "name", "\"DOMAIN-0\" is reserved"},
        {[](DomainConfig& c) { c.memory = 0; }, "memory", "memory 0 MiB is too small (at least 4"},
        {[](DomainConfig& c) { c.memory = 32769; }, "memory",
         "memory 32769 MiB exceeds the limit of 32768 MiB"},
        {[](DomainConfig& c) { c.vcpus = 0; }, "vcpus", "vcpus 0: a domain needs at least one"},
        {[](DomainConfig& c) { c.vcpus = 65; }, "vcpus", "vcpus 65 exceeds the limit of 64"},
        {[](DomainConfig& c) { c.kernel = std::string(4096, 'k'); }, "kernel",
         "kernel path of 4096 bytes is too long (at most 4095)"},
        {[](DomainConfig& c) { c.kernel = std::string("/a\0b", 4); }, "kernel", "NUL"},
        {[](DomainConfig& c) { c.ramdisk = std::string(4096, 'r'); }, "ramdisk",
         "ramdisk path of 4096 bytes is too long (at most 4095)"},
        {[](DomainConfig& c) { c.ramdisk = std::string("/a\0b", 4); }, "ramdisk", "NUL"},
        {[](DomainConfig& c) { c.ramdisk = "/bad \xff"; }, "ramdisk", "is not valid UTF-8"},
        {[](DomainConfig& c) { c.cmdline = std::string(1024, 'c'); }, "cmdline",
         "cmdline of 1024 bytes is too long (at most 1023)"},
        {[](DomainConfig& c) { c.cmdline = "bad \xff"; }, "cmdline",
         "cmdline \"bad \\xff\" is not valid UTF-8 (at byte 4)"},
    };
    for (const Case& k : cases) {
        DomainConfig c = valid_config();
        k.mutate(c);
        auto err = validate_config(c);
        ASSERT_TRUE(err.has_value()) << k.message;
        EXPECT_EQ(err->field, k.field);
        EXPECT_THAT(err->message, HasSubstr(k.message));
        EXPECT_EQ(err->kind, ConfigErrorKind::invalid_field);
        EXPECT_EQ(err->line, 0);
    }
}

TEST(ConfigCommon, LimitsAreTheCallersOnes) {
    ConfigLimits limits;
    limits.max_vcpus = 8;
    limits.max_memory_mib = 1024;
    limits.min_memory_mib = 16;
    DomainConfig c = valid_config();
    c.vcpus = 9;
    EXPECT_THAT(validate_config(c, limits)->message, HasSubstr("vcpus 9 exceeds the limit of 8"));
    c.vcpus = 8;
    c.memory = 8;
    EXPECT_THAT(validate_config(c, limits)->message, HasSubstr("at least 16 MiB"));
    c.memory = 2048;
    EXPECT_THAT(validate_config(c, limits)->message, HasSubstr("limit of 1024 MiB"));
}

TEST(ConfigCommon, Utf8ValidationFollowsRfc3629) {
    DomainConfig c = valid_config();
    for (const char* good :
         {"caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
        c.cmdline = good;
        EXPECT_FALSE(validate_config(c).has_value()) << good;
    }
    // overlong, surrogate, above U+10FFFF, truncated, stray continuation, invalid lead bytes
    for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                            "\xe2\x82", "\x80", "\xf5\x80\x80\x80", "\xff", "a\xc3"}) {
        c.cmdline = bad;
        auto err = validate_config(c);
        ASSERT_TRUE(err.has_value()) << bad;
        EXPECT_THAT(err->message, HasSubstr("not valid UTF-8"));
    }
}

TEST(ConfigCommon, ToJsonHasEveryFieldAndNullKernel) {
    EXPECT_EQ(config_to_json(valid_config()),
              "{\"name\":\"web1\",\"memory\":64,\"vcpus\":1,\"kernel\":null,\"ramdisk\":null,"
              "\"cmdline\":\"\",\"on_poweroff\":\"destroy\",\"on_reboot\":\"restart\","
              "\"on_crash\":\"destroy\",\"disks\":[],\"nics\":[],\"cpu_weight\":256,\"cap\":0,"
              "\"cpus\":null,\"exec\":null}");
    DomainConfig c = valid_config();
    c.kernel = "/boot/k";
    c.ramdisk = "/boot/initrd";
    c.on_crash = Policy::preserve;
    EXPECT_THAT(config_to_json(c),
                HasSubstr("\"kernel\":\"/boot/k\",\"ramdisk\":\"/boot/initrd\""));
    EXPECT_THAT(config_to_json(c), HasSubstr("\"on_crash\":\"preserve\""));
}

TEST(ConfigCommon, ToJsonEscapesAndRoundTrips) {
    DomainConfig c = valid_config();
    c.memory = 32768;
    c.vcpus = 64;
    c.kernel = "/k \"q\" \\ \xe2\x82\xac";
    c.ramdisk = "/r \"q\" \\ \xe2\x82\xac";
    c.cmdline = "quote\" back\\ nl\n tab\t ctl\x01\x1f del\x7f";
    c.on_poweroff = Policy::preserve;
    c.on_reboot = Policy::destroy;
    c.on_crash = Policy::restart;
    const std::string json = config_to_json(c);
    EXPECT_TRUE(printable_ascii(json.substr(0, json.find("\xe2"))));
    EXPECT_THAT(json, HasSubstr("\\u0001"));
    DomainConfig back = json_ok(json);
    EXPECT_TRUE(same_config(c, back)) << json;
}

TEST(ConfigCommon, PresentFieldsInDocumentOrder) {
    DomainConfigPatch p;
    EXPECT_TRUE(p.present_fields().empty());
    p.on_crash = Policy::destroy;
    p.memory = 8;
    p.kernel = "";
    EXPECT_EQ(p.present_fields(), (std::vector<std::string>{"memory", "kernel", "on_crash"}));
}

TEST(ConfigCommon, QuoteEscapesAndTruncates) {
    using config_detail::quote;
    EXPECT_EQ(quote("disk"), "\"disk\"");
    EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quote(std::string("\0\n\xff", 3)), "\"\\x00\\x0a\\xff\"");
    const std::string q = quote(std::string(1000, 'x'));
    EXPECT_EQ(q, "\"" + std::string(64, 'x') + "\"...");
}

TEST(ConfigCommon, FieldNamesMatchTheApi) {
    using namespace config_detail;
    const char* names[] = {"name",    "memory",      "vcpus",     "kernel",   "ramdisk",
                           "cmdline", "on_poweroff", "on_reboot", "on_crash", "disks",
                           "nics",    "cpu_weight",  "cap",       "cpus",     "exec"};
    ASSERT_EQ(std::size(names), static_cast<size_t>(kFieldCount));
    for (int i = 0; i < kFieldCount; ++i) {
        EXPECT_STREQ(field_name(static_cast<Field>(i)), names[i]);
        EXPECT_EQ(field_from_name(names[i]), static_cast<Field>(i));
    }
    EXPECT_FALSE(field_from_name("extra").has_value());
    EXPECT_FALSE(field_from_name("Memory").has_value());
}

TEST(ConfigCommon, AnyPicksTheFormat) {
    auto j = parse_config_any(" \r\n\t{\"name\":\"j\"}");
    ASSERT_TRUE(j.ok()) << j.error.message;
    EXPECT_EQ(j.value->name, "j");
    auto x = parse_config_any("\n# xl\nname = \"x\"\n");
    ASSERT_TRUE(x.ok()) << x.error.message;
    EXPECT_EQ(x.value->name, "x");
    auto bad = parse_config_any("{\"name\":");
    EXPECT_THAT(bad.error.message, HasSubstr("invalid JSON"));
    auto empty = parse_config_any("");
    EXPECT_EQ(empty.error.message, "name is required");
}

}  // namespace
}  // namespace domus::control

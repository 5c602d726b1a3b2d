// parse_patch_json and apply_patch: per-field rules as for a full config, all fields optional,
// an empty patch refused, and the patched result validated as a whole.
#include <string>

#include "config_test_util.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

DomainConfig base() {
    DomainConfig c;
    c.name = "web1";
    c.memory = 128;
    c.vcpus = 2;
    c.kernel = "/srv/k.elf";
    c.cmdline = "service";
    return c;
}

TEST(ConfigPatch, OnlyTheFieldsPresent) {
    const DomainConfigPatch p = patch_ok(R"({"memory":256,"on_crash":"preserve"})");
    EXPECT_EQ(p.memory, 256u);
    EXPECT_EQ(p.on_crash, Policy::preserve);
    EXPECT_FALSE(p.name || p.vcpus || p.kernel || p.cmdline || p.on_poweroff || p.on_reboot);
    EXPECT_EQ(p.present_fields(), (std::vector<std::string>{"memory", "on_crash"}));
}

TEST(ConfigPatch, EveryField) {
    const DomainConfigPatch p = patch_ok(
        R"({"on_reboot":"destroy","name":"web2","vcpus":4,"kernel":"/k","cmdline":"",
            "on_poweroff":"restart","memory":4,"on_crash":"destroy","ramdisk":"/r"})");
    EXPECT_EQ(p.present_fields(),
              (std::vector<std::string>{"name", "memory", "vcpus", "kernel", "ramdisk", "cmdline",
                                        "on_poweroff", "on_reboot", "on_crash"}));
    EXPECT_EQ(p.ramdisk, "/r");
    EXPECT_EQ(p.name, "web2");
    EXPECT_EQ(p.cmdline, "");
}

TEST(ConfigPatch, NullKernelMeansTheEmbeddedGuest) {
    const DomainConfigPatch p = patch_ok(R"({"kernel":null})");
    ASSERT_TRUE(p.kernel.has_value());
    EXPECT_EQ(*p.kernel, "");
    auto r = apply_patch(base(), p);
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->kernel, "");
}

TEST(ConfigPatch, RamdiskSetAndRemoved) {
    auto r = apply_patch(base(), patch_ok(R"({"ramdisk":"/srv/rd.cpio"})"));
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->ramdisk, "/srv/rd.cpio");
    EXPECT_EQ(r.value->kernel, "/srv/k.elf");  // the rest untouched
    const DomainConfigPatch none = patch_ok(R"({"ramdisk":null})");
    ASSERT_TRUE(none.ramdisk.has_value());
    r = apply_patch(*r.value, none);
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->ramdisk, "");
    const ConfigError e = patch_error(R"({"ramdisk":""})");
    EXPECT_EQ(e.field, "ramdisk");
}

TEST(ConfigPatch, EmptyPatchIsRefused) {
    for (const char* text : {"{}", " { } "}) {
        const ConfigError e = patch_error(text);
        EXPECT_EQ(e.field, "");
        EXPECT_EQ(e.message, "no fields to change");
        EXPECT_EQ(e.kind, ConfigErrorKind::invalid_field);
    }
}

TEST(ConfigPatchHostile, SameRulesAsAFullConfig) {
    struct Case {
        const char* text;
        const char* field;
        const char* message;
        ConfigErrorKind kind;
    };
    const Case cases[] = {
        {"", "", "the body is empty", ConfigErrorKind::syntax},
        {"[]", "", "must be a JSON object (got array)", ConfigErrorKind::syntax},
        {"{\"memory\":", "", "invalid JSON at line 1, column 11", ConfigErrorKind::syntax},
        {R"({"disk":[]})", "disk", "unknown field \"disk\"", ConfigErrorKind::unknown_field},
        {R"({"memory":"64"})", "memory", "memory must be an integer (got string)",
         ConfigErrorKind::invalid_field},
        {R"({"memory":2})", "memory", "memory 2 MiB is too small", ConfigErrorKind::invalid_field},
        {R"({"memory":1e9})", "memory", "memory 1e9 is not an integer",
         ConfigErrorKind::invalid_field},
        {R"({"vcpus":65})", "vcpus", "vcpus 65 exceeds", ConfigErrorKind::invalid_field},
        {R"({"kernel":""})", "kernel", "kernel \"\" is empty", ConfigErrorKind::invalid_field},
        {R"({"cmdline":null})", "cmdline", "(got null)", ConfigErrorKind::invalid_field},
        {R"({"name":"Domain-0"})", "name", "\"Domain-0\" is reserved",
         ConfigErrorKind::invalid_field},
        {R"({"name":"a/b"})", "name", "name \"a/b\" is not a valid",
         ConfigErrorKind::invalid_field},
        {R"({"on_crash":"soft-reset"})", "on_crash", "\"soft-reset\" is not supported",
         ConfigErrorKind::invalid_field},
        {R"({"on_crash":"destroy","on_crash":"restart"})", "on_crash", "appears twice",
         ConfigErrorKind::invalid_field},
    };
    for (const Case& k : cases) {
        const ConfigError e = patch_error(k.text);
        EXPECT_EQ(e.field, k.field) << k.text;
        EXPECT_THAT(e.message, HasSubstr(k.message)) << k.text;
        EXPECT_EQ(e.kind, k.kind) << k.text;
    }
}

TEST(ConfigPatchHostile, LimitsApply) {
    ConfigLimits limits;
    limits.max_memory_mib = 1024;
    EXPECT_THAT(patch_error(R"({"memory":2048})", limits).message,
                HasSubstr("memory 2048 MiB exceeds the limit of 1024 MiB"));
}

TEST(ApplyPatch, OverlaysThePatch) {
    DomainConfigPatch p;
    p.memory = 512;
    p.on_reboot = Policy::preserve;
    auto r = apply_patch(base(), p);
    ASSERT_TRUE(r.ok()) << r.error.message;
    DomainConfig expected = base();
    expected.memory = 512;
    expected.on_reboot = Policy::preserve;
    EXPECT_TRUE(same_config(*r.value, expected));
}

TEST(ApplyPatch, EmptyPatchKeepsTheBase) {
    auto r = apply_patch(base(), DomainConfigPatch{});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same_config(*r.value, base()));
}

TEST(ApplyPatch, ParsedPatchThenApplied) {
    auto r = apply_patch(base(), patch_ok(R"({"name":"web2","cmdline":"x y","vcpus":1})"));
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->name, "web2");
    EXPECT_EQ(r.value->cmdline, "x y");
    EXPECT_EQ(r.value->vcpus, 1u);
    EXPECT_EQ(r.value->kernel, "/srv/k.elf");
}

TEST(ApplyPatch, ValidatesTheWholeResult) {
    // A hand-built patch bypasses the field checks: apply_patch still refuses the result.
    DomainConfigPatch p;
    p.vcpus = 0;
    auto r = apply_patch(base(), p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.field, "vcpus");
    EXPECT_THAT(r.error.message, HasSubstr("vcpus 0"));
    p = DomainConfigPatch{};
    p.name = "Domain-0";
    EXPECT_THAT(apply_patch(base(), p).error.message, HasSubstr("reserved"));
    // A base that became invalid (e.g. stored under older, looser limits) is caught too.
    DomainConfig old = base();
    old.memory = 2;
    p = DomainConfigPatch{};
    p.cmdline = "new";
    r = apply_patch(old, p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.field, "memory");
}

TEST(ApplyPatch, UsesTheCallersLimits) {
    ConfigLimits limits;
    limits.max_vcpus = 1;
    auto r = apply_patch(base(), DomainConfigPatch{}, limits);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error.message, HasSubstr("vcpus 2 exceeds the limit of 1"));
}

}  // namespace
}  // namespace domus::control

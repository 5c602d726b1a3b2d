// The exec setting (a program packed into the domain's initramfs): the JSON "exec" object, the
// xl.cfg keys exec, exec_args, exec_busybox and exec_overlay, PATCH, the exclusion of a ramdisk,
// the round trip through config_to_json / exec_to_json, and hostile input in both formats.
#include <string>

#include "config_test_util.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

ExecConfig exec(std::string program, std::vector<std::string> args = {}, bool busybox = false,
                std::string overlay = "") {
    return ExecConfig{std::move(program), std::move(args), busybox, std::move(overlay)};
}

TEST(ConfigExec, JsonObjectWithEveryField) {
    const DomainConfig c = json_ok(with_name(
        R"("exec": {"program": "bin/hello", "args": ["a", "b c", "", "-x"],
                    "with_busybox": true, "overlay": "/srv/domus/images/site"})"));
    EXPECT_EQ(c.exec, exec("bin/hello", {"a", "b c", "", "-x"}, true, "/srv/domus/images/site"));
}

TEST(ConfigExec, JsonDefaultsAndNull) {
    EXPECT_EQ(json_ok(with_name(R"("exec": {"program": "/i/hello"})")).exec, exec("/i/hello"));
    EXPECT_EQ(json_ok(with_name(R"("exec": {"program": "h", "args": [], "overlay": null})")).exec,
              exec("h"));
    EXPECT_TRUE(json_ok(with_name(R"("exec": null)")).exec.empty());
    EXPECT_TRUE(json_ok(R"({"name": "a"})").exec.empty());
}

TEST(ConfigExec, RelativePathsAreKeptForTheImageDirs) {
    // Relative to the first image dir, like kernel and ramdisk; confinement (a "../" that leads
    // out included) is the controller's check, after every link is resolved.
    const DomainConfig c = json_ok(with_name(R"("exec": {"program": "../hello", "overlay": "d"})"));
    EXPECT_EQ(c.exec.program, "../hello");
    EXPECT_EQ(c.exec.overlay, "d");
}

TEST(ConfigExec, JsonWrongTypesNameTheField) {
    struct Case {
        const char* json;
        const char* field;
        const char* message;
    } cases[] = {
        {R"("exec": "hello")", "exec", "exec must be an object"},
        {R"("exec": ["hello"])", "exec", "(got array)"},
        {R"("exec": 1)", "exec", "(got integer)"},
        {R"("exec": {})", "exec.program", "exec.program is required"},
        {R"("exec": {"args": ["a"]})", "exec.program", "is required"},
        {R"("exec": {"program": 5})", "exec.program", "must be a string (got integer)"},
        {R"("exec": {"program": null})", "exec.program", "must be a string (got null)"},
        {R"("exec": {"program": ""})", "exec.program", "is empty"},
        {R"("exec": {"program": {"path": "h"}})", "exec.program", "(got object)"},
        {R"("exec": {"program": "h", "args": "a b"})", "exec.args",
         "must be an array of strings (got string)"},
        {R"("exec": {"program": "h", "args": {"0": "a"}})", "exec.args", "(got object)"},
        {R"("exec": {"program": "h", "args": ["a", 2]})", "exec.args[1]",
         "exec.args[1] must be a string (got integer)"},
        {R"("exec": {"program": "h", "args": [null]})", "exec.args[0]", "(got null)"},
        {R"("exec": {"program": "h", "args": [["a"]]})", "exec.args[0]", "(got array)"},
        {R"("exec": {"program": "h", "args": [{"a": 1}]})", "exec.args[0]", "(got object)"},
        {R"("exec": {"program": "h", "with_busybox": 1})", "exec.with_busybox",
         "must be true or false (got integer)"},
        {R"("exec": {"program": "h", "with_busybox": "yes"})", "exec.with_busybox", "(got string)"},
        {R"("exec": {"program": "h", "overlay": 3})", "exec.overlay",
         "must be a string or null (got integer)"},
        {R"("exec": {"program": "h", "overlay": ""})", "exec.overlay", "is empty"},
        {R"("exec": {"program": "h", "argv": []})", "exec.argv", "unknown field \"argv\" in exec"},
        {R"("exec": {"program": "h", "program": "i"})", "exec.program", "appears twice"},
        {R"("exec": {"program": "h"}, "exec": null)", "exec", "appears twice"},
        {R"("exec": null, "exec": {"program": "h"})", "exec", "appears twice"},
        {R"("exec": {"program": "dir/"})", "exec.program", "ends in '/'"},
        {R"("exec": {"program": "a/.."})", "exec.program", "does not name a file"},
        {R"("exec": {"program": "h\u0000x"})", "exec.program", "contains a NUL byte"},
        {R"("exec": {"program": "h", "args": ["a\u0000"]})", "exec.args[0]", "NUL"},
    };
    for (const Case& c : cases) {
        const ConfigError e = json_error(with_name(c.json));
        EXPECT_EQ(e.field, c.field) << c.json << "\n" << e.message;
        EXPECT_THAT(e.message, HasSubstr(c.message)) << c.json;
        EXPECT_TRUE(printable_ascii(e.message)) << e.message;
    }
    EXPECT_EQ(json_error(with_name(R"("exec": {"program": "h", "argv": []})")).kind,
              ConfigErrorKind::unknown_field);
}

TEST(ConfigExec, ArgumentLimits) {
    std::string args;
    for (size_t i = 0; i < kMaxExecArgs; ++i) args += std::string(i ? "," : "") + "\"a\"";
    EXPECT_EQ(
        json_ok(with_name(R"("exec": {"program": "h", "args": [)" + args + "]}")).exec.args.size(),
        kMaxExecArgs);
    const ConfigError more =
        json_error(with_name(R"("exec": {"program": "h", "args": [)" + args + ",\"b\",3]}"));
    EXPECT_EQ(more.field, "exec.args");
    EXPECT_THAT(more.message, HasSubstr("at most 64 arguments"));
    // Longer together than the kernel command line.
    const std::string big(600, 'x');
    const ConfigError total = json_error(
        with_name(R"("exec": {"program": "h", "args": [")" + big + "\", \"" + big + "\"]}"));
    EXPECT_EQ(total.field, "exec.args");
    EXPECT_THAT(total.message, HasSubstr("more than the kernel command line holds"));
}

TEST(ConfigExec, ExcludesARamdiskInEitherOrder) {
    for (const char* json : {R"("ramdisk": "r.cpio", "exec": {"program": "h"})",
                             R"("exec": {"program": "h"}, "ramdisk": "r.cpio")"}) {
        const ConfigError e = json_error(with_name(json));
        EXPECT_EQ(e.field, "exec") << json;
        EXPECT_THAT(e.message, HasSubstr("cannot be combined with ramdisk \"r.cpio\""));
    }
    EXPECT_EQ(json_ok(with_name(R"("ramdisk": null, "exec": {"program": "h"})")).exec, exec("h"));
    const ConfigError xl = xl_error("name = \"a\"\nramdisk = \"r\"\nexec = \"h\"\n");
    EXPECT_EQ(xl.field, "exec");
    EXPECT_THAT(xl.message, HasSubstr("cannot be combined with ramdisk"));
}

TEST(ConfigExec, XlKeys) {
    const DomainConfig c = xl_ok(
        "name = \"a\"\n"
        "exec = \"/srv/images/hello\"\n"
        "exec_args = [ \"one\", 'two words',\n"
        "              \"-c\", \"\" ]\n"
        "exec_busybox = 1\n"
        "exec_overlay = \"site\"\n");
    EXPECT_EQ(c.exec, exec("/srv/images/hello", {"one", "two words", "-c", ""}, true, "site"));
    EXPECT_EQ(xl_ok("name = \"a\"\nexec_busybox = 0\nexec = \"h\"\n").exec, exec("h"));
    EXPECT_EQ(xl_ok("name = \"a\"\nexec = \"h\"\nexec_args = []\n").exec, exec("h"));
}

TEST(ConfigExec, XlRefusalsNameTheKeyAndLine) {
    struct Case {
        const char* xl;
        const char* field;
        const char* message;
        int line;
    } cases[] = {
        {"name = \"a\"\nexec_args = [\"x\"]\n", "exec.program",
         "\"exec_args\" needs exec = \"PROGRAM\"", 2},
        {"name = \"a\"\nexec_overlay = \"d\"\nexec_busybox = 1\n", "exec.program",
         "\"exec_overlay\" needs exec", 2},
        {"name = \"a\"\nexec = 5\n", "exec.program", "exec must be a \"string\" (got integer)", 2},
        {"name = \"a\"\nexec = [\"h\"]\n", "exec.program", "(got list)", 2},
        {"name = \"a\"\nexec = \"\"\n", "exec.program", "is empty", 2},
        {"name = \"a\"\nexec = \"h\"\nexec_args = \"a b\"\n", "exec.args",
         "exec_args must be a [list] of \"strings\" (got string)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_args = [\"a\", 7]\n", "exec.args[1]",
         "exec_args[1] must be a \"string\" (got integer)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_busybox = 2\n", "exec.with_busybox",
         "exec_busybox must be 0 or 1 (got 2)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_busybox = -1\n", "exec.with_busybox", "0 or 1", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_busybox = \"yes\"\n", "exec.with_busybox",
         "(got string)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_overlay = 1\n", "exec.overlay", "(got integer)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec = \"i\"\n", "exec",
         "\"exec\" is set twice (first on line 2)", 3},
        {"name = \"a\"\nexec = \"h\"\nexec_args = []\nexec_args = []\n", "exec",
         "\"exec_args\" is set twice", 4},
        {"name = \"a\"\nexec = \"dir/\"\n", "exec.program", "exec \"dir/\" ends in '/'", 2},
        {"name = \"a\"\nexec_args = [\"\\x00\"]\nexec = \"h\"\n", "exec.args[0]",
         "exec_args[0] \"\\x00\" contains a NUL byte", 2},
        {"name = \"a\"\nexec = \"h\"\nexec_prog = \"x\"\n", "exec_prog", "unknown key", 3},
    };
    for (const Case& c : cases) {
        const ConfigError e = xl_error(c.xl);
        EXPECT_EQ(e.field, c.field) << c.xl << "\n" << e.message;
        EXPECT_THAT(e.message, HasSubstr(c.message)) << c.xl;
        EXPECT_EQ(e.line, c.line) << c.xl << "\n" << e.message;
        EXPECT_TRUE(printable_ascii(e.message)) << e.message;
    }
    std::string many = "name = \"a\"\nexec = \"h\"\nexec_args = [";
    for (int i = 0; i < 200; ++i) many += std::string(i ? "," : "") + "\"a\"";
    const ConfigError e = xl_error(many + "]\n");
    EXPECT_EQ(e.field, "exec.args");
    EXPECT_THAT(e.message, HasSubstr("exec_args has 200 entries: a program takes at most 64"));
}

TEST(ConfigExec, PatchReplacesOrRemovesIt) {
    DomainConfig base;
    base.name = "a";
    base.exec = exec("h", {"x"}, true);
    const DomainConfigPatch p = patch_ok(R"({"exec": {"program": "g"}})");
    EXPECT_EQ(p.present_fields(), (std::vector<std::string>{"exec"}));
    auto replaced = apply_patch(base, p);
    ASSERT_TRUE(replaced.ok()) << replaced.error.message;
    EXPECT_EQ(replaced.value->exec, exec("g"));  // a whole new setting, not a merge
    auto removed = apply_patch(base, patch_ok(R"({"exec": null})"));
    ASSERT_TRUE(removed.ok());
    EXPECT_TRUE(removed.value->exec.empty());
    // A ramdisk next to the program: refused unless exec goes in the same patch.
    auto both = apply_patch(base, patch_ok(R"({"ramdisk": "r"})"));
    ASSERT_FALSE(both.ok());
    EXPECT_EQ(both.error.field, "exec");
    EXPECT_TRUE(apply_patch(base, patch_ok(R"({"ramdisk": "r", "exec": null})")).ok());
}

TEST(ConfigExec, RoundTripsThroughJson) {
    DomainConfig c;
    c.name = "a";
    c.exec = exec("/i/h\"q", {"a b", "", "\\", "\n", "\xc3\xa9"}, true, "/i/o");
    auto back = parse_config_json(config_to_json(c));
    ASSERT_TRUE(back.ok()) << back.error.message << "\n" << config_to_json(c);
    EXPECT_EQ(back.value->exec, c.exec);
    EXPECT_EQ(exec_to_json(ExecConfig{}), "null");
    auto parsed = parse_exec_json(exec_to_json(c.exec));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed.value, c.exec);
    EXPECT_TRUE(parse_exec_json("null").value->empty());
    EXPECT_FALSE(parse_exec_json("{\"program\": 1}").ok());
    EXPECT_FALSE(parse_exec_json("").ok());
}

TEST(ConfigExec, ValidateConfigChecksItToo) {
    DomainConfig c;
    c.name = "a";
    c.exec = exec("h", std::vector<std::string>(65, "a"));
    auto e = validate_config(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->field, "exec.args");
    c.exec = exec("", {"a"});
    e = validate_config(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->field, "exec");
    c.exec = exec("h\xff");
    e = validate_config(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_THAT(e->message, HasSubstr("not valid UTF-8"));
}

}  // namespace
}  // namespace domus::control

// parse_config_xl on hostile input: one case per rule, each asserting the field, the line and
// that the message names the bad key or value.
#include <string>

#include "config_test_util.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

void expect_xl(const std::string& text, const char* field, int line, const std::string& message,
               ConfigErrorKind kind) {
    const ConfigError e = xl_error(text);
    EXPECT_EQ(e.field, field) << text;
    EXPECT_EQ(e.line, line) << text;
    EXPECT_THAT(e.message, HasSubstr(message)) << text;
    if (line > 0) {
        EXPECT_EQ(e.message.rfind("line " + std::to_string(line) + ": ", 0), 0u) << e.message;
    }
    EXPECT_EQ(e.kind, kind) << text;
    EXPECT_TRUE(printable_ascii(e.message)) << e.message;
}

void expect_syntax(const std::string& text, int line, const std::string& message) {
    expect_xl(text, "", line, message, ConfigErrorKind::syntax);
}

void expect_invalid(const std::string& text, const char* field, int line,
                    const std::string& message) {
    expect_xl(text, field, line, message, ConfigErrorKind::invalid_field);
}

TEST(ConfigXlHostile, UnsupportedXenKeysByNameAndLine) {
    const char* keys[] = {"maxmem",
                          "maxvcpus",
                          "vtpm",
                          "vfb",
                          "vnc",
                          "sdl",
                          "serial",
                          "builder",
                          "type",
                          "pvh",
                          "bootloader",
                          "root",
                          "cpus_soft",
                          "cpupool",
                          "uuid",
                          "localtime",
                          "boot",
                          "pci",
                          "on_watchdog",
                          "on_soft_reset",
                          "vcpu_soft_affinity_x",
                          "device_model_version",
                          "device_model_override",
                          "device_model_args_hvm",
                          "vncdisplay",
                          "spice_host",
                          "usbdevice",
                          "stubdomain_memory",
                          "bootloader_args"};
    for (const char* key : keys) {
        const std::string text = "name = 'a'\n# comment\n\n" + std::string(key) + " = 1\n";
        const ConfigError e = xl_error(text);
        if (std::string(key) == "vcpu_soft_affinity_x") {  // not a Xen key: just unknown
            EXPECT_EQ(e.message, "line 4: unknown key \"vcpu_soft_affinity_x\"");
            continue;
        }
        EXPECT_EQ(e.field, key);
        EXPECT_EQ(e.line, 4);
        EXPECT_EQ(e.message, "line 4: \"" + std::string(key) + "\" is not supported by Domus yet");
        EXPECT_EQ(e.kind, ConfigErrorKind::unknown_field);
    }
}

TEST(ConfigXlHostile, UnknownKeys) {
    expect_xl("name='a'\n\n\n\n\n\nfoo = 1\n", "foo", 7, "line 7: unknown key \"foo\"",
              ConfigErrorKind::unknown_field);
    expect_xl("Memory = 64", "Memory", 1, "unknown key \"Memory\"", ConfigErrorKind::unknown_field);
    expect_xl("memory.x = 64", "memory.x", 1, "unknown key", ConfigErrorKind::unknown_field);
    const ConfigError e = xl_error(std::string(5000, 'k') + " = 1");
    EXPECT_EQ(e.field.size(), 64u);
    EXPECT_LT(e.message.size(), 120u);
}

TEST(ConfigXlHostile, DuplicateKeys) {
    expect_invalid("name='a'\nmemory=64\n\nmemory=128\n", "memory", 4,
                   "\"memory\" is set twice (first on line 2)");
    expect_invalid("name='a'; name='b'", "name", 1, "\"name\" is set twice (first on line 1)");
    expect_invalid("extra='a'\ncmdline='b'", "cmdline", 2,
                   "\"cmdline\" and \"extra\" (line 1) both set the kernel command line");
    expect_invalid("cmdline='a'\nextra='b'", "cmdline", 2, "\"extra\" and \"cmdline\" (line 1)");
    expect_invalid("extra='a'\nextra='a'", "cmdline", 2, "\"extra\" is set twice");
}

TEST(ConfigXlHostile, StatementSyntax) {
    expect_syntax("name='a'\n= 1\n", 2, "expected a key, got '='");
    expect_syntax("name='a'\n42 = 1\n", 2, "expected a key, got '4'");
    expect_syntax("name 'a'\n", 1, "expected '=' after \"name\", got \"'\"");
    expect_syntax("name\n= 'a'\n", 1, "expected '=' after \"name\", got the end of the line");
    expect_syntax("name", 1, "got the end of the file");
    expect_syntax("name='a'\nmemory += 64\n", 2, "\"+=\" is not supported");
    expect_syntax("name =\n'a'", 1, "expected a value for \"name\"");
    expect_syntax("name = a", 1, "got a (strings need quotes)");
    expect_syntax("on_crash = destroy", 1, "got destroy (strings need quotes)");
    expect_syntax("name = 'a' 'b'", 1, "expected the end of the line after the value of \"name\"");
    expect_syntax("name = 'a' memory = 64", 1, "got 'm'");
    expect_syntax("memory = 64 64", 1, "after the value of \"memory\", got '6'");
    expect_syntax("name = {'a'}", 1, "expected a value for \"name\"");
}

TEST(ConfigXlHostile, StringSyntax) {
    expect_syntax("name='a'\ncmdline = \"abc\n", 2, "unterminated string (missing the closing \")");
    expect_syntax("cmdline = 'abc", 1, "unterminated string (missing the closing ')");
    expect_syntax("cmdline = \"a\\qb\"", 1, "invalid escape \\q");
    expect_syntax("cmdline = \"a\\x4\"", 1, "invalid escape \\x");
    expect_syntax("cmdline = \"a\\", 1, "invalid escape \\<the end of the file>");
    expect_syntax("cmdline = \"\\400\"", 1, "octal escape above \\377");
    expect_syntax("cmdline = \"a\\\nb\"", 1, "invalid escape \\<the end of the line>");
}

TEST(ConfigXlHostile, ListSyntax) {
    expect_syntax("name='a'\nmemory = [[64]]", 2, "nested lists are not supported (in \"memory\")");
    expect_syntax("memory = [1,\n\n  [2]]", 3, "nested lists are not supported");
    expect_syntax("name='a'\nmemory = [ 1,\n 2,\n", 2,
                  "unterminated list for \"memory\" (missing ']')");
    expect_syntax("memory = [ 1 2 ]", 1, "expected ',' or ']' in the list for \"memory\", got '2'");
    expect_syntax("memory = [ , ]", 1, "expected a list item in the list for \"memory\", got ','");
    expect_syntax("memory = [ 1,, ]", 1, "expected a list item");
    expect_syntax("memory = [ 1; 2 ]", 1, "got ';'");
    expect_syntax("memory = [ abc ]", 1, "expected a list item");
    expect_syntax("memory = [ 'a ]", 1, "unterminated string");
    // a hostile file cannot make the parser recurse: deep nesting stops at the second '['
    expect_syntax("memory = " + std::string(60000, '['), 1, "nested lists are not supported");
}

TEST(ConfigXlHostile, ListValuedSupportedKeyIsAWrongType) {
    expect_invalid("name='a'\nmemory = [64]", "memory", 2,
                   "line 2: memory must be an integer (got list)");
    expect_invalid("name = [\n'a',\n'b']", "name", 1, "name must be a string (got list)");
    expect_invalid("name='a'\nextra = []", "cmdline", 2, "extra must be a string (got list)");
}

TEST(ConfigXlHostile, Numbers) {
    expect_syntax("memory = 010", 1, "invalid number \"010\" for \"memory\"");
    expect_syntax("memory = 64M", 1, "invalid number \"64M\"");
    expect_syntax("memory = 1.5", 1, "invalid number \"1.5\"");
    expect_syntax("memory = 1e3", 1, "invalid number \"1e3\"");
    expect_syntax("memory = 0x", 1, "invalid number \"0x\"");
    expect_syntax("memory = 0xg", 1, "invalid number \"0xg\"");
    expect_syntax("memory = -", 1, "invalid number \"-\"");
    expect_syntax("memory = --1", 1, "invalid number \"--1\"");
    expect_syntax("memory = 1-2", 1, "invalid number \"1-2\"");
}

TEST(ConfigXlHostile, WrongTypesNameKeyAndLine) {
    expect_invalid("name='a'\nmemory = \"64\"", "memory", 2,
                   "line 2: memory must be an integer (got string)");
    expect_invalid("name = 5", "name", 1, "name must be a string (got integer)");
    expect_invalid("name='a'\nkernel = 1", "kernel", 2, "kernel must be a string");
    expect_invalid("name='a'\nextra = 1", "cmdline", 2, "extra must be a string (got integer)");
    expect_invalid("name='a'\non_crash = 1", "on_crash", 2, "on_crash must be a string");
}

TEST(ConfigXlHostile, OutOfRangeNamesTheValue) {
    expect_invalid("name='a'\nmemory = 0", "memory", 2, "memory 0 MiB is too small (at least 4");
    expect_invalid("name='a'\nmemory = 3", "memory", 2, "memory 3 MiB is too small");
    expect_invalid("name='a'\nmemory = -1", "memory", 2, "memory -1 MiB is too small");
    expect_invalid("name='a'\nmemory = 32769", "memory", 2, "memory 32769 MiB exceeds the limit");
    expect_invalid("name='a'\nmemory = 0x8001", "memory", 2, "memory 0x8001 MiB exceeds");
    expect_invalid("name='a'\nmemory = 99999999999999999999999", "memory", 2,
                   "memory 99999999999999999999999 MiB exceeds");
    expect_invalid("name='a'\nmemory = 0x10000000000000000", "memory", 2,
                   "memory 0x10000000000000000 MiB exceeds");
    expect_invalid("name='a'\nvcpus = 0", "vcpus", 2, "vcpus 0: a domain needs at least one");
    expect_invalid("name='a'\nvcpus = 65", "vcpus", 2, "vcpus 65 exceeds the limit of 64");
    expect_invalid("name='a'\nvcpus = 0x100000001", "vcpus", 2, "vcpus 0x100000001 exceeds");
}

// fuzz_config_xl found a memory value of 600 hex digits echoed whole into the message: a number
// is shown cut to 64 characters, like a quoted value.
TEST(ConfigXlHostile, AnOverlongNumberIsCutInTheMessage) {
    const std::string digits = "0x" + std::string(600, 'D');
    const ConfigError e = xl_error("name='a'\nmemory = " + digits);
    EXPECT_EQ(e.field, "memory");
    EXPECT_THAT(e.message,
                HasSubstr("memory " + digits.substr(0, 64) + "... MiB exceeds the limit"));
    EXPECT_LT(e.message.size(), 160u) << e.message;
    const ConfigError small = xl_error("name='a'\nvcpus = -" + std::string(300, '9'));
    EXPECT_THAT(small.message, HasSubstr("vcpus -" + std::string(63, '9') + "...: a domain"));
    EXPECT_LT(small.message.size(), 160u) << small.message;
}

TEST(ConfigXlHostile, StringValues) {
    expect_invalid("name='a'\nkernel = ''", "kernel", 2, "kernel \"\" is empty");
    expect_invalid("name='a'\nkernel = '" + std::string(4096, 'k') + "'", "kernel", 2,
                   "kernel path of 4096 bytes is too long (at most 4095)");
    expect_invalid("name='a'\nkernel = '/a\\0b'", "kernel", 2,
                   "kernel path \"/a\\x00b\" contains a NUL byte");
    expect_invalid("name='a'\ncmdline = '" + std::string(1024, 'c') + "'", "cmdline", 2,
                   "cmdline of 1024 bytes is too long (at most 1023)");
    expect_invalid("name='a'\nextra = 'a\\x00'", "cmdline", 2, "extra \"a\\x00\" contains a NUL");
    expect_invalid("name='a'\ncmdline = '\\xff'", "cmdline", 2,
                   "cmdline \"\\xff\" is not valid UTF-8 (at byte 0)");
    expect_invalid("name='a'\ncmdline = '\xc3('", "cmdline", 2, "is not valid UTF-8");
}

TEST(ConfigXlHostile, Names) {
    expect_invalid("memory = 64\n", "name", 0, "name is required");
    expect_invalid("", "name", 0, "name is required");
    expect_invalid("# nothing\n\n", "name", 0, "name is required");
    expect_invalid("name = 'web 1'", "name", 1, "name \"web 1\" is not a valid domain name");
    expect_invalid("name = ''", "name", 1, "name \"\" is not a valid");
    expect_invalid("name = '..'", "name", 1, "name \"..\" is not a valid");
    expect_invalid("name = 'domain-0'", "name", 1, "name \"domain-0\" is reserved");
    expect_invalid("name = \"DOMAIN-0\"", "name", 1, "name \"DOMAIN-0\" is reserved");
}

TEST(ConfigXlHostile, Policies) {
    expect_invalid("name='a'\non_crash = 'explode'", "on_crash", 2,
                   "on_crash \"explode\" is not a policy (destroy, restart or preserve)");
    for (const char* xl :
         {"rename-restart", "coredump-destroy", "coredump-restart", "soft-reset"}) {
        expect_invalid(std::string("name='a'\non_reboot = '") + xl + "'", "on_reboot", 2,
                       std::string("on_reboot \"") + xl + "\" is not supported by Domus yet");
    }
}

TEST(ConfigXlHostile, StrayBytes) {
    expect_syntax("name='a'\n\x01 = 1", 2, "expected a key, got byte \"\\x01\"");
    expect_syntax(std::string("name='a'\n\0", 10), 2, "got byte \"\\x00\"");
    expect_syntax("name='a'\n\xc3\xa9t\xc3\xa9 = 1", 2, "got byte \"\\xc3\"");
    expect_syntax("name='a' \x7f", 1, "got byte \"\\x7f\"");
    expect_syntax("{\"name\": \"a\"}", 1, "expected a key, got '{'");  // JSON is not xl.cfg
}

TEST(ConfigXlHostile, TooLarge) {
    std::string text = "name = 'a'\n";
    text += std::string(kMaxConfigBytes + 1 - text.size(), '\n');
    expect_syntax(text, 0, "65537 bytes is larger than the limit of 65536 bytes");
    std::string exact = "name = 'a'\n";
    exact += std::string(kMaxConfigBytes - exact.size(), '\n');
    EXPECT_EQ(xl_ok(exact).name, "a");
}

TEST(ConfigXlHostile, LineNumbersCountEveryNewline) {
    // CRLF, comments, a multi-line list and `;` statements all keep the count right.
    const std::string text =
        "name='a'\r\n# c1\r\n\r\nmemory=64;vcpus=1\r\non_crash='x' # line 5\r\n";
    expect_invalid(text, "on_crash", 5, "line 5: on_crash \"x\" is not a policy");
    expect_invalid("name='a'\nmemory=[1,\n2,\n3]\nvcpus=0", "memory", 2, "line 2: memory must");
    expect_syntax("name='a' # c\n\n   \t\n  ;\n\n%", 6, "line 6: expected a key, got '%'");
}

TEST(ConfigXlHostile, CustomLimits) {
    ConfigLimits limits;
    limits.max_vcpus = 2;
    EXPECT_THAT(xl_error("name='a'\nvcpus=3", limits).message,
                HasSubstr("line 2: vcpus 3 exceeds the limit of 2"));
}

}  // namespace
}  // namespace domus::control

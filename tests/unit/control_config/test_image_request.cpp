// disk-create's request: image names, sizes with K/M/G/T, the JSON body; hostile values.
#include "control/image_request.hpp"

#include "config_test_util.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

TEST(ImageName, PlainFileNamesOnly) {
    for (const char* ok : {"root.img", "a", "data-1_2.raw", "x.y.z"}) {
        EXPECT_TRUE(valid_image_name(ok)) << ok;
    }
    for (const char* bad : {"", ".", "..", ".hidden", "a/b", "../x", "a b", "a\\b", "a\n",
                            "caf\xc3\xa9", "a:b", "*"}) {
        EXPECT_FALSE(valid_image_name(bad)) << bad;
    }
    EXPECT_TRUE(valid_image_name(std::string(255, 'a')));
    EXPECT_FALSE(valid_image_name(std::string(256, 'a')));
}

TEST(ImageSize, SuffixesArePowersOf1024) {
    EXPECT_EQ(parse_image_size("1M").value, 1u << 20);
    EXPECT_EQ(parse_image_size("64m").value, 64u << 20);
    EXPECT_EQ(parse_image_size("2048K").value, 2u << 20);
    EXPECT_EQ(parse_image_size("1G").value, 1ull << 30);
    EXPECT_EQ(parse_image_size("1GiB").value, 1ull << 30);
    EXPECT_EQ(parse_image_size("1GB").value, 1ull << 30);
    EXPECT_EQ(parse_image_size("2T").value, 2ull << 40);
    EXPECT_EQ(parse_image_size("1048576").value, 1u << 20);
}

TEST(ImageSize, RefusalsNameTheText) {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"", "size \"\" is not a size"},
        {"M", "size \"M\" is not a size"},
        {"-1M", "is not a size"},
        {"1.5G", "has an unknown unit"},
        {"10X", "has an unknown unit"},
        {"10 M", "has an unknown unit"},
        {"1MM", "has an unknown unit"},
        {"01M", "has a leading zero"},
        {"1023K", "is too small (at least 1M)"},
        {"0", "is too small"},
        {"3T", "exceeds the limit of 2T"},
        {"2049G", "exceeds the limit of 2T"},
        {"99999999999999999999999T", "exceeds the limit of 2T"},
        {"18446744073709551616", "exceeds the limit"},
        {"1048577", "is not a multiple of 1024 bytes"},
    };
    for (const Case& c : cases) {
        auto r = parse_image_size(c.text);
        EXPECT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error.field, "size");
        EXPECT_THAT(r.error.message, HasSubstr(c.message)) << c.text;
        EXPECT_TRUE(printable_ascii(r.error.message));
    }
}

TEST(ImageRequestJson, Fields) {
    auto r = parse_image_request_json(R"({"name":"root.img","size":"64M","from_dir":"tree"})");
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->name, "root.img");
    EXPECT_EQ(r.value->size, 64u << 20);
    EXPECT_EQ(r.value->from_dir, "tree");
    r = parse_image_request_json(R"({"size":2097152,"name":"b","from_dir":null})");
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->size, 2u << 20);
    EXPECT_EQ(r.value->from_dir, "");
}

TEST(ImageRequestJson, Refusals) {
    struct Case {
        const char* json;
        const char* field;
        const char* message;
    };
    const Case cases[] = {
        {R"({"size":"1M"})", "name", "name is required"},
        {R"({"name":"a"})", "size", "size is required"},
        {R"({"name":"../etc/x","size":"1M"})", "name", "is not a plain file name"},
        {R"({"name":".a","size":"1M"})", "name", "is not a plain file name"},
        {R"({"name":5,"size":"1M"})", "name", "must be a string"},
        {R"({"name":"a","size":-5})", "size", "must be a string such as \"64M\""},
        {R"({"name":"a","size":1.5})", "size", "must be a string"},
        {R"({"name":"a","size":"5Q"})", "size", "unknown unit"},
        {R"({"name":"a","size":"1M","from_dir":""})", "from_dir", "non-empty string"},
        {R"({"name":"a","size":"1M","from_dir":7})", "from_dir", "non-empty string"},
        {R"({"name":"a","size":"1M","colour":"red"})", "colour", "unknown field \"colour\""},
        {R"([1])", "", "must be a JSON object"},
        {R"({"name":)", "", "invalid JSON"},
    };
    for (const Case& c : cases) {
        auto r = parse_image_request_json(c.json);
        EXPECT_FALSE(r.ok()) << c.json;
        EXPECT_EQ(r.error.field, c.field) << c.json;
        EXPECT_THAT(r.error.message, HasSubstr(c.message)) << c.json;
    }
    EXPECT_FALSE(parse_image_request_json(std::string(kMaxConfigBytes + 1, ' ')).ok());
    std::string deep = "{\"name\":";
    for (int i = 0; i < 100; ++i) deep += "[";
    EXPECT_FALSE(parse_image_request_json(deep).ok());
}

}  // namespace
}  // namespace domus::control

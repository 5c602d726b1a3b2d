// Disk lists: vdev names, the guest's order, the list checks, the JSON "disks" field, PATCH and
// the round trip through config_to_json.
#include <string>

#include "config_test_util.hpp"
#include "control/domain_config_disks.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

DiskConfig disk(std::string path, std::string vdev = "") {
    DiskConfig d;
    d.path = std::move(path);
    d.vdev = std::move(vdev);
    return d;
}

TEST(Vdev, IndexesOfEveryPrefix) {
    EXPECT_EQ(parse_vdev("xvda").index, 0u);
    EXPECT_EQ(parse_vdev("hda").index, 0u);
    EXPECT_EQ(parse_vdev("sda").index, 0u);
    EXPECT_EQ(parse_vdev("vda").index, 0u);
    EXPECT_EQ(parse_vdev("xvdb").index, 1u);
    EXPECT_EQ(parse_vdev("sdf").index, 5u);
}

TEST(Vdev, RefusalsNameTheValueAndTheReason) {
    auto partition = parse_vdev("xvda1");
    EXPECT_FALSE(partition.index);
    EXPECT_THAT(partition.error, HasSubstr("\"xvda1\" names a partition"));
    EXPECT_THAT(partition.error, HasSubstr("use \"xvda\""));
    auto beyond = parse_vdev("xvdg");
    EXPECT_FALSE(beyond.index);
    EXPECT_THAT(beyond.error, HasSubstr("\"xvdg\" is beyond the limit of 6 disks"));
    EXPECT_THAT(parse_vdev("xvdaa").error, HasSubstr("beyond the limit"));
    EXPECT_THAT(parse_vdev("xvdzzzzzzzzzzzzzzzzzzzzz").error, HasSubstr("beyond the limit"));
    for (const char* bad :
         {"", "xvd", "xvdA", "nvme0n1", "d0p1", "xvda-", "xvd1", "fd0", "xvda\n", "hd\xff"}) {
        auto r = parse_vdev(bad);
        EXPECT_FALSE(r.index) << bad;
        EXPECT_TRUE(printable_ascii(r.error)) << r.error;
        EXPECT_FALSE(r.error.empty());
    }
    EXPECT_THAT(parse_vdev("nvme0n1").error, HasSubstr("is not a disk name"));
}

TEST(GuestOrder, ExplicitIndexesThenTheLowestFree) {
    const std::vector<DiskConfig> disks = {disk("a", "xvdc"), disk("b"), disk("c", "hda"),
                                           disk("d")};
    EXPECT_EQ(guest_disk_indexes(disks), (std::vector<size_t>{2, 1, 0, 3}));
    EXPECT_EQ(guest_disk_order(disks), (std::vector<size_t>{2, 1, 0, 3}));
    EXPECT_EQ(guest_disk_name(0), "vda");
    EXPECT_EQ(guest_disk_name(5), "vdf");
    const std::vector<DiskConfig> later = {disk("a", "xvdf"), disk("b")};
    EXPECT_EQ(guest_disk_indexes(later), (std::vector<size_t>{5, 0}));
    EXPECT_EQ(guest_disk_order(later), (std::vector<size_t>{1, 0}));
    EXPECT_TRUE(guest_disk_order({}).empty());
}

TEST(CheckDisks, Refusals) {
    auto dup = check_disks({disk("a", "xvda"), disk("b", "hda")}, "disks");
    ASSERT_TRUE(dup);
    EXPECT_EQ(dup->field, "disks[1].vdev");
    EXPECT_THAT(dup->message,
                HasSubstr("disks[1].vdev \"hda\" is the same disk (guest vda) as disks[0].vdev "
                          "\"xvda\""));
    std::vector<DiskConfig> seven(7, disk("x"));
    auto many = check_disks(seven, "disks");
    ASSERT_TRUE(many);
    EXPECT_THAT(many->message, HasSubstr("disks has 7 entries: a domain has at most 6 disks"));
    EXPECT_FALSE(check_disks(std::vector<DiskConfig>(6, disk("x")), "disks"));
    auto empty = check_disks({disk("")}, "disk");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->field, "disk[0].path");
    EXPECT_THAT(empty->message, HasSubstr("disk[0].path is empty"));
    auto comma = check_disks({disk("a,ro")}, "disks");
    ASSERT_TRUE(comma);
    EXPECT_THAT(comma->message, HasSubstr("contains a comma"));
    auto nul = check_disks({disk(std::string("a\0b", 3))}, "disks");
    ASSERT_TRUE(nul);
    EXPECT_THAT(nul->message, HasSubstr("NUL"));
    auto utf8 = check_disks({disk("a\xff")}, "disks");
    ASSERT_TRUE(utf8);
    EXPECT_THAT(utf8->message, HasSubstr("not valid UTF-8"));
    auto long_path = check_disks({disk(std::string(kMaxKernelPathBytes, 'a'))}, "disks");
    ASSERT_TRUE(long_path);
    EXPECT_THAT(long_path->message, HasSubstr("too long"));
    auto part = check_disks({disk("a"), disk("b", "sdb2")}, "disks");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->field, "disks[1].vdev");
    EXPECT_THAT(part->message, HasSubstr("names a partition"));
}

TEST(JsonDisks, EveryField) {
    const DomainConfig c = json_ok(with_name(
        R"("disks":[{"path":"root.img","vdev":"xvdb","read_only":true,"bytes_per_sec":1048576,
            "ops_per_sec":100},{"path":"/srv/images/data.img","vdev":null},
            {"path":"x.img","read_only":false,"bytes_per_sec":0}])"));
    ASSERT_EQ(c.disks.size(), 3u);
    EXPECT_EQ(c.disks[0].path, "root.img");
    EXPECT_EQ(c.disks[0].vdev, "xvdb");
    EXPECT_TRUE(c.disks[0].read_only);
    EXPECT_EQ(c.disks[0].bytes_per_sec, 1048576u);
    EXPECT_EQ(c.disks[0].ops_per_sec, 100u);
    EXPECT_EQ(c.disks[1].vdev, "");
    EXPECT_FALSE(c.disks[1].read_only);
    EXPECT_EQ(c.disks[2].bytes_per_sec, 0u);
    EXPECT_TRUE(json_ok(with_name(R"("disks":[])")).disks.empty());
}

TEST(JsonDisks, RefusalsNameTheSubField) {
    struct Case {
        const char* json;
        const char* field;
        const char* message;
        ConfigErrorKind kind = ConfigErrorKind::invalid_field;
    };
    const Case cases[] = {
        {R"("disks":[{"path":"a"},{"path":"b","colour":"red"}])", "disks[1].colour",
         "unknown field \"colour\" in disks[1]", ConfigErrorKind::unknown_field},
        {R"("disks":[{"path":1}])", "disks[0].path",
         "disks[0].path must be a string (got integer)"},
        {R"("disks":[{"path":null}])", "disks[0].path", "must be a string (got null)"},
        {R"("disks":[{"vdev":"xvda"}])", "disks[0].path", "disks[0].path is required"},
        {R"("disks":[{}])", "disks[0].path", "disks[0].path is required"},
        {R"("disks":[{"path":"a","read_only":"yes"}])", "disks[0].read_only",
         "must be true or false (got string)"},
        {R"("disks":[{"path":"a","read_only":1}])", "disks[0].read_only",
         "must be true or false (got integer)"},
        {R"("disks":[{"path":"a","bytes_per_sec":-1}])", "disks[0].bytes_per_sec",
         "-1 is negative"},
        {R"("disks":[{"path":"a","ops_per_sec":1.5}])", "disks[0].ops_per_sec",
         "1.5 is not an integer"},
        {R"("disks":[{"path":"a","ops_per_sec":"5"}])", "disks[0].ops_per_sec",
         "must be a non-negative integer"},
        {R"("disks":[{"path":"a","ops_per_sec":99999999999999999999999}])", "disks[0].ops_per_sec",
         "does not fit 64 bits"},
        {R"("disks":[{"path":"a","path":"b"}])", "disks[0].path",
         "field \"path\" appears twice in disks[0]"},
        {R"("disks":[{"path":"a","vdev":""}])", "disks[0].vdev", "is empty"},
        {R"("disks":[{"path":"a","vdev":7}])", "disks[0].vdev", "must be a string or null"},
        {R"("disks":[{"path":"a","vdev":"xvda1"}])", "disks[0].vdev", "names a partition"},
        {R"("disks":[{"path":"a","vdev":"xvdh"}])", "disks[0].vdev", "beyond the limit"},
        {R"("disks":[{"path":"a","vdev":"xvda"},{"path":"b","vdev":"vda"}])", "disks[1].vdev",
         "same disk (guest vda)"},
        {R"("disks":[{"path":{"x":1}}])", "disks[0].path", "must be a string (got object)"},
        {R"("disks":[{"path":["a"]}])", "disks[0].path", "must be a string (got array)"},
        {R"("disks":["a.img"])", "disks[0]", "disks[0] must be an object (got string)"},
        {R"("disks":[[{"path":"a"}]])", "disks[0]", "disks[0] must be an object (got array)"},
        {R"("disks":{"path":"a"})", "disks", "disks must be an array of disk objects (got object)"},
        {R"("disks":"a.img")", "disks", "must be a [list] of disk specification strings"},
        {R"("disks":null)", "disks", "(got null)"},
        {R"("disks":[],"disks":[])", "disks", "field \"disks\" appears twice"},
        {R"("disks":[{"path":"a"},{"path":"a"},{"path":"a"},{"path":"a"},{"path":"a"},
            {"path":"a"},{"path":"a"}])",
         "disks", "disks has more than 6 entries: a domain has at most 6 disks"},
        {R"("disks":[{"path":"a,rw"}])", "disks[0].path", "contains a comma"},
        {R"("disks":[{"path":"a\u0000"}])", "disks[0].path", "NUL"},
    };
    for (const Case& c : cases) {
        const ConfigError e = json_error(with_name(c.json));
        EXPECT_EQ(e.field, c.field) << c.json;
        EXPECT_THAT(e.message, HasSubstr(c.message)) << c.json;
        EXPECT_EQ(e.kind, c.kind) << c.json;
        EXPECT_TRUE(printable_ascii(e.message)) << e.message;
    }
}

TEST(JsonDisks, DeepNestingInsideADiskIsRefusedNotFollowed) {
    std::string deep = R"("disks":[{"path":"a","vdev":)";
    for (int i = 0; i < 15; ++i) deep += "[";
    for (int i = 0; i < 15; ++i) deep += "]";
    deep += "}]";
    EXPECT_EQ(json_error(with_name(deep)).field, "disks[0].vdev");
    // A syntax error after a disk problem still wins (it is reported, not the disk).
    EXPECT_EQ(json_error(with_name(R"("disks":[{"colour":1}],)")).kind, ConfigErrorKind::syntax);
}

TEST(JsonDisks, RoundTripThroughConfigToJson) {
    DomainConfig c;
    c.name = "web";
    c.disks = {disk("root.img", "xvda"), disk("/srv/img/\"q\"\\.img"), disk("data.img", "hdc")};
    c.disks[1].read_only = true;
    c.disks[2].bytes_per_sec = UINT64_MAX;
    c.disks[2].ops_per_sec = 7;
    const std::string text = config_to_json(c);
    EXPECT_THAT(text, HasSubstr(R"("vdev":null)"));
    const DomainConfig back = json_ok(text);
    EXPECT_EQ(back.disks, c.disks);
    EXPECT_TRUE(same_config(back, c));
    c.disks.clear();
    EXPECT_THAT(config_to_json(c), HasSubstr(R"("disks":[])"));
    EXPECT_TRUE(json_ok(config_to_json(c)).disks.empty());
}

TEST(PatchDisks, ReplacesTheListAsAWhole) {
    DomainConfig base;
    base.name = "web";
    base.disks = {disk("a.img", "xvda"), disk("b.img")};
    const DomainConfigPatch p = patch_ok(R"({"disks":[{"path":"c.img","vdev":"xvdb"}]})");
    ASSERT_TRUE(p.disks);
    EXPECT_EQ(p.present_fields(), std::vector<std::string>{"disks"});
    auto merged = apply_patch(base, p);
    ASSERT_TRUE(merged.ok());
    ASSERT_EQ(merged.value->disks.size(), 1u);
    EXPECT_EQ(merged.value->disks[0].path, "c.img");
    auto cleared = apply_patch(base, patch_ok(R"({"disks":[]})"));
    ASSERT_TRUE(cleared.ok());
    EXPECT_TRUE(cleared.value->disks.empty());
    auto untouched = apply_patch(base, patch_ok(R"({"memory":128})"));
    ASSERT_TRUE(untouched.ok());
    EXPECT_EQ(untouched.value->disks, base.disks);
    EXPECT_EQ(
        patch_error(R"({"disks":[{"path":"a","vdev":"xvda"},{"path":"b","vdev":"xvda"}]})").field,
        "disks[1].vdev");
}

TEST(ValidateConfig, ChecksTheDisks) {
    DomainConfig c;
    c.name = "web";
    c.disks = {disk("a", "xvda"), disk("b", "sda")};
    auto e = validate_config(c);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->field, "disks[1].vdev");
    c.disks[1].vdev = "sdb";
    EXPECT_FALSE(validate_config(c));
}

}  // namespace
}  // namespace domus::control

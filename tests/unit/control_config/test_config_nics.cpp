// NICs in domain configurations: xl.cfg's vif key (xl-network-configuration(5)), with every
// refusal by name, xl's rate= form, the JSON "nics" field, PATCH, and the list checks.
#include <string>

#include "config_test_util.hpp"
#include "control/domain_config_nics.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

NicConfig vif_ok(std::string_view spec) {
    auto r = parse_xl_vif_spec(spec);
    EXPECT_TRUE(r.nic) << spec << ": " << r.error;
    return r.nic.value_or(NicConfig{});
}

std::string vif_error(std::string_view spec) {
    auto r = parse_xl_vif_spec(spec);
    EXPECT_FALSE(r.nic) << spec;
    EXPECT_TRUE(printable_ascii(r.error)) << r.error;
    return r.error;
}

TEST(XlVifSpec, EveryKeyDomusTakes) {
    NicConfig n = vif_ok(
        "mac=00:16:3E:AA:bb:01, bridge=domus0, ip=10.77.0.9, vifname=web-eth0, rate=10Mb/s, "
        "type=vif, model=virtio-net");
    EXPECT_EQ(n.mac, "00:16:3e:aa:bb:01");  // stored in lower case
    EXPECT_EQ(n.bridge, "domus0");
    EXPECT_EQ(n.ip, "10.77.0.9");
    EXPECT_EQ(n.vifname, "web-eth0");
    EXPECT_EQ(n.tx_bytes_per_sec, 1250000u);  // 10 Mbit/s
    EXPECT_EQ(n.rx_bytes_per_sec, 0u);        // xl's rate limits the guest's transmissions only
}

TEST(XlVifSpec, EmptySpecIsANicWithDefaults) {
    EXPECT_EQ(vif_ok(""), NicConfig{});
    EXPECT_EQ(vif_ok(" , "), NicConfig{});
    EXPECT_EQ(vif_ok("bridge=domus0,").bridge, "domus0");
}

TEST(XlVifSpec, XenKeysDomusCannotHonourAreRefusedByName) {
    const char* refused[] = {"backend=0", "script=vif-bridge", "gatewaydev=eth0", "forwarddev=eth0",
                             "accel=x",   "devid=1",           "mtu=9000",        "vlan=5",
                             "trusted=1", "queues=2"};
    for (const char* spec : refused) {
        const std::string key = std::string(spec).substr(0, std::string(spec).find('='));
        EXPECT_THAT(vif_error(spec), HasSubstr(key + "= is not supported")) << spec;
    }
    EXPECT_THAT(vif_error("colour=blue"), HasSubstr("unknown parameter \"colour\""));
    EXPECT_THAT(vif_error("type=ioemu"), HasSubstr("type=ioemu"));
    EXPECT_THAT(vif_error("type=vif2"), HasSubstr("type \"vif2\" is not supported"));
    EXPECT_THAT(vif_error("model=e1000"), HasSubstr("model \"e1000\" is not supported"));
    EXPECT_THAT(vif_error("bridge"), HasSubstr("\"bridge\" is not key=value"));
}

TEST(XlVifSpec, BadValuesAreNamed) {
    EXPECT_THAT(vif_error("mac=00:16:3e:00:00"), HasSubstr("MAC address \"00:16:3e:00:00\""));
    EXPECT_THAT(vif_error("mac=01:16:3e:00:00:01"), HasSubstr("multicast"));
    EXPECT_THAT(vif_error("mac=00:00:00:00:00:00"), HasSubstr("all zeros"));
    EXPECT_THAT(vif_error("mac=00:16:3e:00:00:0g"), HasSubstr("not six hex bytes"));
    EXPECT_THAT(vif_error("ip=10.77.0.256"), HasSubstr("above 255"));
    EXPECT_THAT(vif_error("ip=10.77.0.09"), HasSubstr("leading zero"));
    EXPECT_THAT(vif_error("ip=10.77.0"), HasSubstr("four numbers"));
    EXPECT_THAT(vif_error("ip=10.77.0.2 10.77.0.3"), HasSubstr("several addresses"));
    EXPECT_THAT(vif_error("bridge=a/b"), HasSubstr("bridge \"a/b\""));
    EXPECT_THAT(vif_error("vifname=0123456789abcdef"), HasSubstr("longer than 15 bytes"));
    EXPECT_THAT(vif_error("vifname=a:b"), HasSubstr("vifname \"a:b\""));
    EXPECT_THAT(vif_error("mac=00:16:3e:00:00:01,mac=00:16:3e:00:00:02"),
                HasSubstr("mac is given twice"));
    EXPECT_THAT(vif_error("ip="), HasSubstr("ip= has no value"));
    EXPECT_THAT(vif_error("bridge=\x01"), HasSubstr("\\x01"));
}

TEST(XlRate, UnitsAsLibxlReadsThem) {
    EXPECT_EQ(parse_xl_rate("100B/s").bytes_per_sec, 100u);
    EXPECT_EQ(parse_xl_rate("5KB/s").bytes_per_sec, 5000u);
    EXPECT_EQ(parse_xl_rate("2MB/s").bytes_per_sec, 2000000u);
    EXPECT_EQ(parse_xl_rate("1GB/s").bytes_per_sec, 1000000000u);
    EXPECT_EQ(parse_xl_rate("8b/s").bytes_per_sec, 1u);
    EXPECT_EQ(parse_xl_rate("1b/s").bytes_per_sec, 1u);  // never 0 (which is unlimited)
    EXPECT_EQ(parse_xl_rate("100Mb/s").bytes_per_sec, 12500000u);
}

TEST(XlRate, MalformedRatesAreRefused) {
    EXPECT_THAT(parse_xl_rate("10Mb/s@20ms").error, HasSubstr("@interval is not supported"));
    EXPECT_THAT(parse_xl_rate("Mb/s").error, HasSubstr("does not start with a number"));
    EXPECT_THAT(parse_xl_rate("10M/s").error, HasSubstr("no unit"));
    EXPECT_THAT(parse_xl_rate("10Mb").error, HasSubstr("not per second"));
    EXPECT_THAT(parse_xl_rate("10Mb/ms").error, HasSubstr("not per second"));
    EXPECT_THAT(parse_xl_rate("0B/s").error, HasSubstr("zero"));
    EXPECT_THAT(parse_xl_rate("99999999999999999999B/s").error, HasSubstr("64 bits"));
    EXPECT_THAT(parse_xl_rate("18446744073709551615GB/s").error, HasSubstr("64 bits"));
    EXPECT_THAT(parse_xl_rate("-1B/s").error, HasSubstr("does not start with a number"));
}

TEST(ConfigXlVif, VifListBecomesNics) {
    auto c = xl_ok(R"(name = "web"
vif = [ 'mac=00:16:3e:00:00:01, ip=10.77.0.5',
        'bridge=domus0, vifname=webb' ]
)");
    ASSERT_EQ(c.nics.size(), 2u);
    EXPECT_EQ(c.nics[0].mac, "00:16:3e:00:00:01");
    EXPECT_EQ(c.nics[0].ip, "10.77.0.5");
    EXPECT_EQ(c.nics[1].vifname, "webb");
    EXPECT_TRUE(xl_ok("name = \"a\"\nvif = [ '' ]\n").nics.size() == 1);
    EXPECT_TRUE(xl_ok("name = \"a\"\nvif = []\n").nics.empty());
}

TEST(ConfigXlVif, RefusalsNameTheItemAndLine) {
    auto e = xl_error("name = \"a\"\n\nvif = [ 'ip=1.2.3.4', 'script=vif-nat' ]\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.field, "nics[1]");
    EXPECT_THAT(e.message, HasSubstr("vif[1]"));
    EXPECT_THAT(e.message, HasSubstr("script= is not supported"));
    e = xl_error("name = \"a\"\nvif = [ 1 ]\n");
    EXPECT_THAT(e.message, HasSubstr("vif[0] must be a vif specification string"));
    e = xl_error("name = \"a\"\nvif = 'ip=1.2.3.4'\n");
    EXPECT_THAT(e.message, HasSubstr("vif must be a [list] of vif specification strings"));
    e = xl_error("name = \"a\"\nvif = ['','','','','']\n");
    EXPECT_THAT(e.message, HasSubstr("at most 4 network interfaces"));
    e = xl_error("name = \"a\"\nvif = ['ip=10.0.0.2','ip=10.0.0.2']\n");
    EXPECT_EQ(e.field, "vif[1].ip");
    EXPECT_THAT(e.message, HasSubstr("is also vif[0].ip"));
    e = xl_error("name = \"a\"\nvif = ['mac=00:16:3e:00:00:0a','mac=00:16:3E:00:00:0A']\n");
    EXPECT_THAT(e.message, HasSubstr("is also vif[0].mac"));
    e = xl_error("name = \"a\"\nnics = []\n");
    EXPECT_THAT(e.message, HasSubstr("the xl.cfg key is \"vif\""));
    e = xl_error("name = \"a\"\nvif = []\nvif = []\n");
    EXPECT_THAT(e.message, HasSubstr("set twice"));
}

TEST(ConfigJsonNics, FieldsReadAndNormalised) {
    auto c = json_ok(with_name(R"("nics":[{"mac":"00:16:3E:00:00:0A","ip":"10.77.0.7",
        "bridge":"domus0","vifname":"v0","rx_bytes_per_sec":100,"tx_bytes_per_sec":200},
        {},{"mac":null,"ip":null,"bridge":null,"vifname":null}])"));
    ASSERT_EQ(c.nics.size(), 3u);
    EXPECT_EQ(c.nics[0], (NicConfig{"00:16:3e:00:00:0a", "10.77.0.7", "domus0", "v0", 100, 200}));
    EXPECT_EQ(c.nics[1], NicConfig{});
    EXPECT_EQ(c.nics[2], NicConfig{});
}

TEST(ConfigJsonNics, HostileValuesAreNamedByField) {
    struct Case {
        const char* nics;
        const char* field;
        const char* message;
    };
    const Case cases[] = {
        {R"([{"mac":"zz"}])", "nics[0].mac", "MAC address \"zz\""},
        {R"([{"ip":"1.2.3"}])", "nics[0].ip", "four numbers"},
        {R"([{"ip":""}])", "nics[0].ip", "is empty"},
        {R"([{"ip":5}])", "nics[0].ip", "must be a string or null (got integer)"},
        {R"([{},{"tap":"x"}])", "nics[1].tap", "read-only"},
        {R"([{"colour":"x"}])", "nics[0].colour", "unknown field"},
        {R"([{"mac":"00:16:3e:00:00:01","mac":"00:16:3e:00:00:02"}])", "nics[0].mac",
         "appears twice"},
        {R"([{"rx_bytes_per_sec":-1}])", "nics[0].rx_bytes_per_sec", "negative"},
        {R"([{"tx_bytes_per_sec":1.5}])", "nics[0].tx_bytes_per_sec", "not an integer"},
        {R"([{"tx_bytes_per_sec":99999999999999999999999}])", "nics[0].tx_bytes_per_sec",
         "64 bits"},
        {R"([1])", "nics[0]", "must be an object (got integer)"},
        {R"([{},{},{},{},{}])", "nics", "at most 4"},
        {R"({})", "nics", "an array of NIC objects (got object)"},
        {R"([{"vifname":"a b"}])", "nics[0].vifname", "vifname \"a b\""},
        {R"([{"ip":"10.0.0.1"},{"ip":"10.0.0.1"}])", "nics[1].ip", "is also nics[0].ip"},
        {R"([{"vifname":"x"},{"vifname":"x"}])", "nics[1].vifname", "is also nics[0].vifname"},
    };
    for (const Case& c : cases) {
        auto e = json_error(with_name(std::string("\"nics\":") + c.nics));
        EXPECT_EQ(e.field, c.field) << c.nics;
        EXPECT_THAT(e.message, HasSubstr(c.message)) << c.nics;
        EXPECT_TRUE(printable_ascii(e.message)) << e.message;
    }
    auto e = json_error(with_name(R"("nics":[],"nics":[])"));
    EXPECT_THAT(e.message, HasSubstr("appears twice"));
}

TEST(ConfigJsonNics, PatchReplacesTheListAndRoundTrips) {
    auto p = patch_ok(R"({"nics":[{"ip":"10.77.0.3"}]})");
    ASSERT_TRUE(p.nics.has_value());
    EXPECT_EQ(p.present_fields(), std::vector<std::string>{"nics"});
    DomainConfig base = json_ok(with_name(R"("nics":[{},{}])"));
    auto merged = apply_patch(base, p);
    ASSERT_TRUE(merged.ok());
    ASSERT_EQ(merged.value->nics.size(), 1u);
    EXPECT_EQ(merged.value->nics[0].ip, "10.77.0.3");

    DomainConfig c = json_ok(with_name(
        R"("nics":[{"mac":"00:16:3e:01:02:03","ip":"10.77.0.7","vifname":"q","tx_bytes_per_sec":7}])"));
    auto back = parse_config_json(config_to_json(c));
    ASSERT_TRUE(back.ok()) << back.error.message;
    EXPECT_EQ(back.value->nics, c.nics);
    auto list = parse_nics_json(nics_to_json(c.nics));
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(*list.value, c.nics);
    // The xl form of each NIC reads back to the same NIC (rx has no xl key).
    auto again = parse_xl_vif_spec(format_xl_vif_spec(c.nics[0]));
    ASSERT_TRUE(again.nic) << again.error;
    EXPECT_EQ(*again.nic, c.nics[0]);
}

TEST(CheckNics, ValidateConfigCatchesWhatAParserWouldHave) {
    DomainConfig c;
    c.name = "a";
    c.nics = {NicConfig{"01:00:00:00:00:01", "", "", "", 0, 0}};
    auto e = validate_config(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->field, "nics[0].mac");
    c.nics = {NicConfig{}, NicConfig{"", "", "", "", 0, 0}};
    EXPECT_FALSE(validate_config(c).has_value());
    c.nics.resize(5);
    EXPECT_THAT(validate_config(c)->message, HasSubstr("at most 4"));
    EXPECT_EQ(guest_nic_name(2), "eth2");
}

}  // namespace
}  // namespace domus::control

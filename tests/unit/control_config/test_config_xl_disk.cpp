// xl.cfg's disk key: both forms of xl-disk-configuration(5), the legacy prefixes, every refusal
// by name, and the xl form `domus config` prints read back.
#include <string>

#include "config_test_util.hpp"
#include "control/domain_config_disks.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

DiskConfig spec_ok(std::string_view spec) {
    auto r = parse_xl_disk_spec(spec);
    EXPECT_TRUE(r.disk) << spec << ": " << r.error;
    return r.disk.value_or(DiskConfig{});
}

std::string spec_error(std::string_view spec) {
    auto r = parse_xl_disk_spec(spec);
    EXPECT_FALSE(r.disk) << spec;
    EXPECT_TRUE(printable_ascii(r.error)) << r.error;
    return r.error;
}

TEST(XlDiskSpec, PositionalForms) {
    DiskConfig d = spec_ok("/srv/img/root.img,raw,xvda,rw");
    EXPECT_EQ(d.path, "/srv/img/root.img");
    EXPECT_EQ(d.vdev, "xvda");
    EXPECT_FALSE(d.read_only);
    d = spec_ok("/srv/img/data.img,,xvdb,r");
    EXPECT_EQ(d.vdev, "xvdb");
    EXPECT_TRUE(d.read_only);
    d = spec_ok("data.img,,hdc");
    EXPECT_EQ(d.path, "data.img");
    EXPECT_EQ(d.vdev, "hdc");
    EXPECT_FALSE(d.read_only);
    d = spec_ok("data.img");
    EXPECT_EQ(d.vdev, "");
    EXPECT_TRUE(spec_ok("a.img,raw,sdb,ro").read_only);
    EXPECT_FALSE(spec_ok("a.img,raw,sdb,w").read_only);
    EXPECT_EQ(spec_ok("a.img,raw,xvda:disk,w").vdev, "xvda");
}

TEST(XlDiskSpec, LegacyPrefixes) {
    // The deprecated form: the prefix stands for the format, so the vdev comes second.
    for (const char* s : {"file:/srv/a.img,xvda,w", "aio:/srv/a.img,xvda,w",
                          "tap:aio:/srv/a.img,xvda,w", "raw:/srv/a.img,xvda,w"}) {
        const DiskConfig d = spec_ok(s);
        EXPECT_EQ(d.path, "/srv/a.img") << s;
        EXPECT_EQ(d.vdev, "xvda") << s;
        EXPECT_FALSE(d.read_only) << s;
    }
    EXPECT_TRUE(spec_ok("file:/srv/a.img,xvdb,r").read_only);
    EXPECT_THAT(spec_error("file:/srv/a.img,raw,xvda,w"),
                HasSubstr("too many positional values at \"w\""));
    DiskConfig d = spec_ok("vdev=xvda, target=file:/srv/a.img");
    EXPECT_EQ(d.path, "/srv/a.img");
    d = spec_ok("tap:aio:/srv/a.img,xvdb,r");
    EXPECT_EQ(d.path, "/srv/a.img");
    EXPECT_TRUE(d.read_only);
    EXPECT_EQ(spec_ok("aio:rel.img").path, "rel.img");
    EXPECT_EQ(spec_ok("/srv/with:colon.img").path, "/srv/with:colon.img");
}

TEST(XlDiskSpec, KeyValueForm) {
    DiskConfig d = spec_ok("format=raw, vdev=xvdc, access=rw, target=/srv/a,b c.img");
    EXPECT_EQ(d.path, "/srv/a,b c.img");  // target= takes the rest, commas included
    EXPECT_EQ(d.vdev, "xvdc");
    d = spec_ok("vdev=xvdb, access=ro, devtype=disk, no-discard, target=data.img");
    EXPECT_TRUE(d.read_only);
    EXPECT_EQ(d.path, "data.img");
    d = spec_ok("data.img, format=raw, access=r");  // positional target with named others
    EXPECT_EQ(d.path, "data.img");
    EXPECT_TRUE(d.read_only);
    d = spec_ok("format=raw, data.img, xvdd");  // format given: positions skip it
    EXPECT_EQ(d.vdev, "xvdd");
}

TEST(XlDiskSpec, RefusalsByName) {
    struct Case {
        const char* spec;
        const char* message;
    };
    const Case cases[] = {
        {"phy:/dev/sdb,xvdb,w", "phy: (a host block device) is not supported"},
        {"qcow2:/srv/a.qcow2,xvda,w", "the \"qcow2:\" prefix is not supported"},
        {"tap:qcow2:/srv/a.qcow2,xvda,w", "the \"tap:qcow2:\" prefix is not supported"},
        {"/srv/a.qcow2,qcow2,xvda,w", "format \"qcow2\" is not supported"},
        {"format=vhd, target=/srv/a.vhd", "format \"vhd\" is not supported"},
        {"/srv/a.iso,,hdc,cdrom", "\"cdrom\": CD-ROM drives are not supported"},
        {"/srv/a.iso,raw,hdc,devtype=cdrom", "devtype=cdrom: CD-ROM drives are not supported"},
        {"devtype=floppy, target=a", "devtype \"floppy\" is not supported"},
        {",,hdc,cdrom", "\"cdrom\": CD-ROM drives"},
        {",,hdc", "no target"},
        {"vdev=xvda", "no target"},
        {"target=", "no target"},
        {"raw:/srv/a.iso,hdc:cdrom,ro", "CD-ROM drives are not supported"},
        {"a.img,raw,xvda,w,script=block-iscsi", "script= is not supported: hotplug scripts"},
        {"backend=driverdom, target=a.img", "backend= is not supported: driver domains"},
        {"backendtype=phy, target=a.img", "backendtype= is not supported"},
        {"backendtype=qdisk, target=a.img", "backendtype= is not supported"},
        {"colo, colo-host=h, target=a.img", "\"colo\": COLO replication is not supported"},
        {"colo-port=9000, target=a.img", "colo-port= is not supported"},
        {"active-disk=/a, target=a.img", "active-disk= is not supported"},
        {"specification=virtio, target=a.img", "specification= is not supported"},
        {"a.img,raw,xvda,w,discard", "\"discard\": the Domus virtio-blk device does not offer"},
        {"a.img,raw,xvda,w,direct-io-safe", "\"direct-io-safe\""},
        {"a.img,raw,xvda,w!", "access=w! (shared writable) is not supported"},
        {"a.img,raw,xvda,rx", "access \"rx\" is not one of r, ro, w, rw"},
        {"a.img,raw,xvda1,w", "\"xvda1\" names a partition"},
        {"a.img,raw,xvdg,w", "\"xvdg\" is beyond the limit of 6 disks"},
        {"a.img,raw,xvda,w,extra", "too many positional values at \"extra\""},
        {"a.img,raw,xvda,w,vdev=xvdb", "vdev is given twice"},
        {"format=raw,format=raw,target=a", "format is given twice"},
        {"colour=red, target=a.img", "unknown parameter \"colour\""},
        {"a,b.img", "format \"b.img\" is not supported"},
    };
    for (const Case& c : cases) EXPECT_THAT(spec_error(c.spec), HasSubstr(c.message)) << c.spec;
}

TEST(XlDiskSpec, FormatReadsBack) {
    DiskConfig d;
    d.path = "/srv/images/a b,c.img";
    d.read_only = true;
    const std::string s = format_xl_disk_spec(d, 2);
    EXPECT_EQ(s, "format=raw, vdev=vdc, access=ro, target=/srv/images/a b,c.img");
    DiskConfig back = spec_ok(s);
    EXPECT_EQ(back.path, d.path);
    EXPECT_EQ(back.vdev, "vdc");
    EXPECT_TRUE(back.read_only);
    d.vdev = "hdb";
    d.read_only = false;
    EXPECT_EQ(spec_ok(format_xl_disk_spec(d, 1)).vdev, "hdb");
}

TEST(ConfigXlDisk, TheDiskKey) {
    const DomainConfig c = xl_ok(R"(name = "web"
disk = [ 'root.img,raw,xvda,rw',
         "format=raw, vdev=xvdb, access=ro, target=/srv/images/data.img",
         'file:/srv/images/c.img,hdc,w' ]
)");
    ASSERT_EQ(c.disks.size(), 3u);
    EXPECT_EQ(c.disks[0].path, "root.img");
    EXPECT_TRUE(c.disks[1].read_only);
    EXPECT_EQ(c.disks[2].vdev, "hdc");
    EXPECT_TRUE(xl_ok("name = \"web\"\ndisk = []\n").disks.empty());
}

TEST(ConfigXlDisk, ErrorsNameTheKeyEntryAndLine) {
    ConfigError e = xl_error("name = \"web\"\n\ndisk = [ 'a.img,,xvda', 'phy:/dev/sdb,,xvdb' ]\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.field, "disks[1]");
    EXPECT_THAT(e.message, HasSubstr("line 3: disk[1] \"phy:/dev/sdb,,xvdb\": phy:"));
    e = xl_error("name = \"web\"\ndisk = 'a.img'\n");
    EXPECT_THAT(e.message, HasSubstr("line 2: disk must be a [list] of disk specification strings "
                                     "(got string)"));
    e = xl_error("name = \"web\"\ndisk = [ 'a.img', 5 ]\n");
    EXPECT_THAT(e.message, HasSubstr("disk[1] must be a disk specification string (got integer)"));
    e = xl_error("name = \"web\"\ndisk = [ 'a.img,,xvda', 'b.img,,hda' ]\n");
    EXPECT_EQ(e.field, "disk[1].vdev");
    EXPECT_THAT(e.message, HasSubstr("line 2: disk[1].vdev \"hda\" is the same disk (guest vda) "
                                     "as disk[0].vdev \"xvda\""));
    e = xl_error("name = \"web\"\ndisk = ['a','b','c','d','e','f','g','h']\n");
    EXPECT_THAT(e.message, HasSubstr("line 2: disk has 8 entries: a domain has at most 6 disks"));
    e = xl_error("name = \"web\"\ndisk = ['a']\ndisk = ['b']\n");
    EXPECT_THAT(e.message, HasSubstr("line 3: \"disk\" is set twice (first on line 2)"));
    e = xl_error("name = \"web\"\ndisks = ['a']\n");
    EXPECT_THAT(e.message, HasSubstr("unknown key \"disks\" (the xl.cfg key is \"disk\")"));
    EXPECT_EQ(e.kind, ConfigErrorKind::invalid_field);  // "disks" is a field (of JSON)
    e = xl_error("name = \"web\"\ndisk = [ 'a,ra\xa9\xa9w,xvda' ]\n");
    EXPECT_THAT(e.message, HasSubstr("format \"ra\\xa9\\xa9w\" is not supported"));
    EXPECT_TRUE(printable_ascii(e.message)) << e.message;
}

}  // namespace
}  // namespace domus::control

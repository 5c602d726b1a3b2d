// Untrusted text is stored verbatim (values are bound, never spliced into SQL), and a
// thousand domains list fine.
#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

class StoreHostile : public StoreTest {};

const std::string kQuotes = "it's \"quoted\" `back` \\ ; -- x";
const std::string kInjection = "x'); DROP TABLE domains; --";
const std::string kUnicode =
    "\xc3\xa9l\xc3\xa8ve \xe2\x98\x83 \xf0\x9f\x90\xa7 \xe4\xb8\xad\xe6\x96\x87";
const std::string kControl = "line1\nline2\r\ttab\x01\x7f";

TEST_F(StoreHostile, StringsRoundTripVerbatim) {
    std::string long_cmdline;
    for (int i = 0; long_cmdline.size() < 4096; ++i) long_cmdline += kQuotes + kUnicode;
    long_cmdline.resize(4096);  // may cut a UTF-8 sequence: stored as the bytes given anyway

    DomainConfig c = sample_config(kInjection);
    c.kernel = "/boot/" + kUnicode + "/" + kQuotes;
    c.cmdline = long_cmdline;
    auto r = store().create_domain(c);
    ASSERT_TRUE(r.ok()) << r.error().message;

    DomainRecord rec = *r;
    rec.last_exit = ExitInfo{kQuotes, -1, kControl + kUnicode};
    ASSERT_TRUE(store().update_domain(rec, Event{0, 0, "", "updated", kInjection + kControl}).ok());
    reopen();

    auto got = store().get_domain(kInjection);
    ASSERT_TRUE(got.has_value());
    expect_same(*got, rec);
    EXPECT_EQ(got->config.cmdline.size(), 4096u);
    EXPECT_EQ(got->config.cmdline, long_cmdline);
    auto events = store().events_after(0, 10);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].domain, kInjection);
    EXPECT_EQ(events[1].detail, kInjection + kControl);
    RawDb raw(path());
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM domains"), 1) << "the table is still there";
}

TEST_F(StoreHostile, DiskPathsRoundTripAndACorruptDiskColumnIsReported) {
    DomainConfig c = sample_config("d");
    c.disks[1].path = kQuotes + kUnicode + "\\'); DROP TABLE domains; --";
    auto r = store().create_domain(c);
    ASSERT_TRUE(r.ok()) << r.error().message;
    reopen();
    auto got = store().get_domain("d");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->config.disks, c.disks);
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("UPDATE domains SET disks = '[{\"path\":\"a\",\"colour\":1}]'"),
                  SQLITE_OK);
    }
    EXPECT_FALSE(store().get_domain("d").has_value());
    EXPECT_NE(store().last_error().find("invalid disks"), std::string::npos)
        << store().last_error();
}

TEST_F(StoreHostile, NamesAreExactNotPatterns) {
    ASSERT_TRUE(store().create_domain(sample_config("abc")).ok());
    ASSERT_TRUE(store().create_domain(sample_config(kUnicode)).ok());
    ASSERT_TRUE(store().create_domain(sample_config(kQuotes)).ok());
    EXPECT_FALSE(store().get_domain("a%").has_value());
    EXPECT_FALSE(store().get_domain("ABC").has_value());
    EXPECT_FALSE(store().get_domain("abc ").has_value());
    EXPECT_FALSE(store().get_domain("' OR '1'='1").has_value());
    EXPECT_EQ(store().get_domain(kUnicode)->config.name, kUnicode);
    EXPECT_EQ(store().get_domain(kQuotes)->config.name, kQuotes);
    EXPECT_EQ(store().delete_domain("' OR '1'='1").error().code, Errc::not_found);
    EXPECT_EQ(store().list_domains().size(), 3u);
}

TEST_F(StoreHostile, AThousandDomains) {
    for (int i = 0; i < 1000; ++i) {
        auto r = store().create_domain(sample_config("dom" + std::to_string(i)));
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    auto all = store().list_domains();
    ASSERT_EQ(all.size(), 1000u);
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].config.name, "dom" + std::to_string(i));
        if (i > 0) {
            EXPECT_GT(all[i].id, all[i - 1].id);
        }
    }
    EXPECT_EQ(store().get_domain("dom999")->config.name, "dom999");
    EXPECT_EQ(store().events_after(0, 5000).size(), 1000u);
    EXPECT_EQ(store().last_event_id(), 1000);
    EXPECT_EQ(store().last_error(), "");
}

}  // namespace
}  // namespace domus::control::test

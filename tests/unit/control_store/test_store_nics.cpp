// NICs in the state store: the nics column round-trips, the nic_addresses index refuses an IP
// or MAC another domain holds (in create and update alike, leaving the store unchanged), and a
// deleted or discarded domain releases its addresses.
#include <gmock/gmock.h>

#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

using ::testing::HasSubstr;

class StoreNics : public StoreTest {
  protected:
    static DomainConfig with_nic(const std::string& name, const std::string& ip,
                                 const std::string& mac) {
        DomainConfig c = sample_config(name);
        c.nics = {NicConfig{mac, ip, "", "", 0, 0}};
        return c;
    }
    int64_t address_rows() {
        RawDb raw(path());
        return raw.scalar("SELECT count(*) FROM nic_addresses");
    }
};

TEST_F(StoreNics, NicsRoundTripThroughCreateUpdateAndReopen) {
    DomainConfig c = sample_config("web");
    c.nics = {NicConfig{"00:16:3e:00:00:01", "10.77.0.2", "domus0", "webtap", 10, 20},
              NicConfig{"00:16:3e:00:00:02", "10.77.0.3", "", "", 0, 0}};
    auto r = store().create_domain(c);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(store().get_domain("web")->config.nics, c.nics);
    EXPECT_EQ(address_rows(), 2);
    DomainRecord rec = *r;
    rec.config.nics.pop_back();
    ASSERT_TRUE(store().update_domain(rec, {}).ok());
    EXPECT_EQ(address_rows(), 1);
    reopen();
    EXPECT_EQ(store().get_domain("web")->config.nics, rec.config.nics);
}

TEST_F(StoreNics, AnotherDomainsIpOrMacIsRefusedAndChangesNothing) {
    ASSERT_TRUE(store().create_domain(with_nic("a", "10.77.0.2", "00:16:3e:00:00:01")).ok());
    const int64_t events = event_count();
    auto dup_ip = store().create_domain(with_nic("b", "10.77.0.2", "00:16:3e:00:00:09"));
    ASSERT_FALSE(dup_ip.ok());
    EXPECT_EQ(dup_ip.error().code, Errc::resource);
    EXPECT_THAT(dup_ip.error().message, HasSubstr("10.77.0.2"));
    auto dup_mac = store().create_domain(with_nic("b", "10.77.0.9", "00:16:3e:00:00:01"));
    ASSERT_FALSE(dup_mac.ok());
    EXPECT_EQ(dup_mac.error().code, Errc::resource);
    EXPECT_FALSE(store().get_domain("b").has_value());
    EXPECT_EQ(event_count(), events);

    auto b = store().create_domain(with_nic("b", "10.77.0.3", "00:16:3e:00:00:02"));
    ASSERT_TRUE(b.ok());
    DomainRecord rec = *b;
    rec.config.nics[0].ip = "10.77.0.2";
    rec.config.memory = 77;
    const Status st = store().update_domain(rec, Event{0, 0, "", "updated", ""});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::resource);
    EXPECT_EQ(store().get_domain("b")->config.memory, 128u);  // the whole update rolled back
    EXPECT_EQ(store().get_domain("b")->config.nics[0].ip, "10.77.0.3");
    EXPECT_EQ(event_count(), events + 1);
}

TEST_F(StoreNics, DeleteAndDiscardReleaseTheAddresses) {
    ASSERT_TRUE(store().create_domain(with_nic("a", "10.77.0.2", "00:16:3e:00:00:01")).ok());
    ASSERT_TRUE(store().delete_domain("a").ok());
    EXPECT_EQ(address_rows(), 0);
    ASSERT_TRUE(store().create_domain(with_nic("b", "10.77.0.2", "00:16:3e:00:00:01")).ok());
    ASSERT_TRUE(store().discard_domain("b", 0).ok());
    EXPECT_EQ(address_rows(), 0);
    EXPECT_TRUE(store().create_domain(with_nic("c", "10.77.0.2", "00:16:3e:00:00:01")).ok());
}

TEST_F(StoreNics, NicsWithoutAddressesYetNeverCollide) {
    DomainConfig a = sample_config("a"), b = sample_config("b");
    a.nics = {NicConfig{}, NicConfig{}};
    b.nics = {NicConfig{}};
    ASSERT_TRUE(store().create_domain(a).ok());
    ASSERT_TRUE(store().create_domain(b).ok());
    EXPECT_EQ(address_rows(), 3);
}

TEST_F(StoreNics, AHandEditedNicsColumnIsReportedNotTrusted) {
    ASSERT_TRUE(store().create_domain(sample_config("a")).ok());
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("UPDATE domains SET nics = '[{\"mac\":\"ff:ff:ff:ff:ff:ff\"}]'"),
                  SQLITE_OK);
    }
    EXPECT_FALSE(store().get_domain("a").has_value());
    EXPECT_THAT(store().last_error(), HasSubstr("invalid nics"));
}

}  // namespace
}  // namespace domus::control::test

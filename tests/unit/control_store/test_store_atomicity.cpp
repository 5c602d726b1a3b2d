// Every mutating call is one transaction: a failure at any point leaves nothing behind. The
// failures are provoked inside the transaction, after the domain row was already written:
// by a trigger installed through a second connection, or by a CHECK constraint.
#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

class StoreAtomicity : public StoreTest {
  protected:
    // Makes every insert of an event about domain 'boom' fail.
    void arm_event_failure() {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("CREATE TRIGGER fail_boom BEFORE INSERT ON events "
                           "WHEN NEW.domain = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END"),
                  SQLITE_OK);
    }
};

TEST_F(StoreAtomicity, CreateFailingAtItsEventLeavesNoDomain) {
    arm_event_failure();
    auto r = store().create_domain(sample_config("boom"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_TRUE(contains(r.error().message, "injected")) << r.error().message;
    EXPECT_TRUE(contains(r.error().message, path())) << r.error().message;
    EXPECT_FALSE(store().get_domain("boom").has_value());
    EXPECT_TRUE(store().list_domains().empty());
    EXPECT_EQ(event_count(), 0);
    // The store is still usable, and the name still free once the failure is gone.
    EXPECT_TRUE(store().create_domain(sample_config("fine")).ok());
    RawDb(path()).exec("DROP TRIGGER fail_boom");
    EXPECT_TRUE(store().create_domain(sample_config("boom")).ok());
}

TEST_F(StoreAtomicity, UpdateFailingAtItsEventLeavesTheRecord) {
    auto created = store().create_domain(sample_config("boom"));
    ASSERT_TRUE(created.ok());
    arm_event_failure();
    const int64_t events = event_count();
    DomainRecord r = *created;
    r.state = DomainState::running;
    r.pid = 99;
    r.config.memory = 8;
    Status s = store().update_domain(r, Event{0, 0, "", "started", ""});
    ASSERT_FALSE(s.ok());
    auto got = store().get_domain("boom");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, *created);
    EXPECT_EQ(event_count(), events);
}

TEST_F(StoreAtomicity, UpdateWithAnOverlongEventTypeLeavesTheRecord) {
    auto created = store().create_domain(sample_config("vm"));
    ASSERT_TRUE(created.ok());
    const int64_t events = event_count();
    DomainRecord r = *created;
    r.state = DomainState::crashed;
    r.last_exit = ExitInfo{"crash", 6, "boom"};
    Status s = store().update_domain(r, Event{0, 0, "", std::string(65, 't'), ""});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::io) << "invalid_argument means 'already exists' only";
    EXPECT_TRUE(contains(s.error().message, "CHECK")) << s.error().message;
    auto got = store().get_domain("vm");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, *created);
    EXPECT_EQ(event_count(), events);
}

TEST_F(StoreAtomicity, DeleteFailingAtItsEventKeepsTheDomain) {
    auto created = store().create_domain(sample_config("boom"));
    ASSERT_TRUE(created.ok());
    arm_event_failure();
    const int64_t events = event_count();
    Status s = store().delete_domain("boom");
    ASSERT_FALSE(s.ok());
    auto got = store().get_domain("boom");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, *created);
    EXPECT_EQ(event_count(), events);
}

TEST_F(StoreAtomicity, DuplicateCreateAddsNoEvent) {
    ASSERT_TRUE(store().create_domain(sample_config("dup")).ok());
    const int64_t events = event_count();
    ASSERT_FALSE(store().create_domain(sample_config("dup")).ok());
    EXPECT_EQ(event_count(), events);
}

TEST_F(StoreAtomicity, ValuesTheSchemaRefusesAddNothing) {
    // The store trusts validated configs, but its CHECKs still keep nonsense out.
    DomainConfig zero = sample_config("zero");
    zero.memory = 0;
    DomainConfig huge = sample_config("huge");
    huge.memory = ~uint64_t{0};
    DomainConfig policy = sample_config("policy");
    policy.on_crash = static_cast<Policy>(17);
    DomainConfig unnamed = sample_config("");
    for (const DomainConfig& c : {zero, huge, policy, unnamed}) {
        auto r = store().create_domain(c);
        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.error().code, Errc::io) << r.error().message;
        EXPECT_TRUE(contains(r.error().message, "CHECK")) << r.error().message;
    }
    auto ok = store().create_domain(sample_config("ok"));
    ASSERT_TRUE(ok.ok());
    DomainRecord r = *ok;
    r.state = static_cast<DomainState>(9);
    EXPECT_FALSE(store().update_domain(r, Event{0, 0, "", "updated", ""}).ok());
    EXPECT_EQ(store().get_domain("ok")->state, DomainState::stopped);
    EXPECT_EQ(store().list_domains().size(), 1u);
    EXPECT_EQ(event_count(), 1) << "only ok's 'created'";
}

}  // namespace
}  // namespace domus::control::test

// Domain records: create, get, list, update and delete round trips of every field.
#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

class StoreDomains : public StoreTest {};

TEST_F(StoreDomains, CreateAssignsIdTimestampsAndStoppedState) {
    const int64_t before = wall_ms();
    auto r = store().create_domain(sample_config("web1"));
    const int64_t after = wall_ms();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_GT(r->id, 0);
    EXPECT_EQ(r->state, DomainState::stopped);
    EXPECT_EQ(r->pid, 0);
    EXPECT_GE(r->created_at, before);
    EXPECT_LE(r->created_at, after);
    EXPECT_EQ(r->updated_at, r->created_at);
    EXPECT_EQ(r->started_at, 0);
    EXPECT_FALSE(r->last_exit.has_value());
    EXPECT_EQ(r->restarts, 0u);

    auto got = store().get_domain("web1");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, *r);
    EXPECT_EQ(got->config.memory, 128u);
    EXPECT_EQ(got->config.on_poweroff, Policy::preserve);
    EXPECT_EQ(got->config.on_reboot, Policy::destroy);
    EXPECT_EQ(got->config.on_crash, Policy::restart);
}

TEST_F(StoreDomains, CreateAppendsACreatedEvent) {
    auto r = store().create_domain(sample_config("web1"));
    ASSERT_TRUE(r.ok());
    auto events = store().events_after(0, 10);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].domain, "web1");
    EXPECT_EQ(events[0].type, "created");
    EXPECT_EQ(events[0].time, r->created_at);
    EXPECT_EQ(store().last_event_id(), events[0].id);
}

TEST_F(StoreDomains, EmptyKernelAndDefaultsRoundTrip) {
    DomainConfig c;
    c.name = "plain";
    auto r = store().create_domain(c);
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto got = store().get_domain("plain");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->config.kernel, "");
    EXPECT_EQ(got->config.ramdisk, "");
    EXPECT_EQ(got->config.cmdline, "");
    EXPECT_EQ(got->config.memory, 64u);
    EXPECT_EQ(got->config.vcpus, 1u);
    EXPECT_EQ(got->config.on_poweroff, Policy::destroy);
    EXPECT_EQ(got->config.on_reboot, Policy::restart);
    EXPECT_EQ(got->config.on_crash, Policy::destroy);
    expect_same(*got, *r);
}

TEST_F(StoreDomains, GetUnknownIsNulloptWithoutError) {
    EXPECT_FALSE(store().get_domain("ghost").has_value());
    EXPECT_EQ(store().last_error(), "");
}

TEST_F(StoreDomains, ListIsOrderedById) {
    for (const char* n : {"zeta", "alpha", "mid"})
        ASSERT_TRUE(store().create_domain(sample_config(n)).ok());
    auto all = store().list_domains();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].config.name, "zeta");
    EXPECT_EQ(all[1].config.name, "alpha");
    EXPECT_EQ(all[2].config.name, "mid");
    EXPECT_LT(all[0].id, all[1].id);
    EXPECT_LT(all[1].id, all[2].id);
}

TEST_F(StoreDomains, UpdateRoundTripsEveryField) {
    auto created = store().create_domain(sample_config("vm"));
    ASSERT_TRUE(created.ok());
    DomainRecord r = *created;
    r.config.memory = 4096;
    r.config.vcpus = 64;
    r.config.kernel = "";
    r.config.ramdisk = "";
    r.config.cmdline = "quiet";
    r.config.on_poweroff = Policy::restart;
    r.config.on_reboot = Policy::preserve;
    r.config.on_crash = Policy::destroy;
    r.state = DomainState::shutting_down;
    r.pid = 4242;
    r.updated_at = r.created_at + 5;
    r.started_at = r.created_at + 3;
    r.last_exit = ExitInfo{"triple_fault", -11, "rip=0xffff"};
    r.restarts = 5;
    ASSERT_TRUE(store().update_domain(r, Event{0, 0, "", "updated", "memory"}).ok());
    auto got = store().get_domain("vm");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, r);
    reopen();
    got = store().get_domain("vm");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, r);
}

TEST_F(StoreDomains, EveryStateRoundTrips) {
    auto created = store().create_domain(sample_config("s"));
    ASSERT_TRUE(created.ok());
    for (DomainState st : {DomainState::running, DomainState::paused, DomainState::shutting_down,
                           DomainState::crashed, DomainState::stopped}) {
        DomainRecord r = *created;
        r.state = st;
        ASSERT_TRUE(store().update_domain(r, Event{}).ok());
        EXPECT_EQ(store().get_domain("s")->state, st);
    }
}

TEST_F(StoreDomains, LastExitSetThenCleared) {
    auto created = store().create_domain(sample_config("x"));
    ASSERT_TRUE(created.ok());
    DomainRecord r = *created;
    r.last_exit = ExitInfo{"poweroff", 0, ""};
    ASSERT_TRUE(store().update_domain(r, Event{}).ok());
    auto got = store().get_domain("x");
    ASSERT_TRUE(got->last_exit.has_value()) << "an empty detail is still a last_exit";
    EXPECT_EQ(got->last_exit->reason, "poweroff");
    EXPECT_EQ(got->last_exit->code, 0);
    EXPECT_EQ(got->last_exit->detail, "");
    r.last_exit.reset();
    ASSERT_TRUE(store().update_domain(r, Event{}).ok());
    EXPECT_FALSE(store().get_domain("x")->last_exit.has_value());
}

TEST_F(StoreDomains, UpdateKeepsCreatedAtAndStampsZeroUpdatedAt) {
    auto created = store().create_domain(sample_config("t"));
    ASSERT_TRUE(created.ok());
    DomainRecord r = *created;
    r.created_at = 1;
    r.updated_at = 0;
    const int64_t before = wall_ms();
    ASSERT_TRUE(store().update_domain(r, Event{}).ok());
    auto got = store().get_domain("t");
    EXPECT_EQ(got->created_at, created->created_at);
    EXPECT_GE(got->updated_at, before);
    r.updated_at = 1234;
    ASSERT_TRUE(store().update_domain(r, Event{}).ok());
    EXPECT_EQ(store().get_domain("t")->updated_at, 1234);
}

TEST_F(StoreDomains, UpdateWithoutEventTypeAppendsNothing) {
    auto created = store().create_domain(sample_config("quiet"));
    ASSERT_TRUE(created.ok());
    const int64_t last = store().last_event_id();
    ASSERT_TRUE(store().update_domain(*created, Event{0, 0, "x", "", "ignored"}).ok());
    EXPECT_EQ(store().last_event_id(), last);
}

TEST_F(StoreDomains, UpdateCanRename) {
    auto created = store().create_domain(sample_config("old"));
    ASSERT_TRUE(created.ok());
    DomainRecord r = *created;
    r.config.name = "new";
    ASSERT_TRUE(store().update_domain(r, Event{}).ok());
    EXPECT_FALSE(store().get_domain("old").has_value());
    ASSERT_TRUE(store().get_domain("new").has_value());
    EXPECT_EQ(store().get_domain("new")->id, created->id);
}

TEST_F(StoreDomains, DuplicateNameOnCreate) {
    ASSERT_TRUE(store().create_domain(sample_config("dup")).ok());
    auto again = store().create_domain(sample_config("dup"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_argument);
    EXPECT_EQ(again.error().message, "domain 'dup' already exists");
    EXPECT_EQ(store().list_domains().size(), 1u);
}

TEST_F(StoreDomains, DuplicateNameOnRename) {
    ASSERT_TRUE(store().create_domain(sample_config("a")).ok());
    auto b = store().create_domain(sample_config("b"));
    ASSERT_TRUE(b.ok());
    DomainRecord r = *b;
    r.config.name = "a";
    Status s = store().update_domain(r, Event{0, 0, "", "updated", ""});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_EQ(s.error().message, "domain 'a' already exists");
    ASSERT_TRUE(store().get_domain("b").has_value());
}

TEST_F(StoreDomains, UpdateUnknownIsNotFound) {
    DomainRecord r;
    r.id = 99;
    r.config = sample_config("nobody");
    Status s = store().update_domain(r, Event{0, 0, "", "updated", ""});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::not_found);
    EXPECT_TRUE(contains(s.error().message, "'nobody'")) << s.error().message;
    EXPECT_EQ(store().last_event_id(), 0);
}

TEST_F(StoreDomains, DeleteRemovesAndAppendsDeleted) {
    auto a = store().create_domain(sample_config("gone"));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(store().create_domain(sample_config("stay")).ok());
    ASSERT_TRUE(store().delete_domain("gone").ok());
    EXPECT_FALSE(store().get_domain("gone").has_value());
    auto all = store().list_domains();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].config.name, "stay");
    auto events = store().events_after(0, 10);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].type, "deleted");
    EXPECT_EQ(events[2].domain, "gone");
    EXPECT_GT(events[2].time, 0);
}

TEST_F(StoreDomains, DeleteUnknownIsNotFound) {
    Status s = store().delete_domain("nobody");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::not_found);
    EXPECT_EQ(s.error().message, "domain 'nobody' not found");
    EXPECT_EQ(store().last_event_id(), 0);
}

TEST_F(StoreDomains, ARowTheSchemaShouldHaveRefusedIsReportedNotReturned) {
    ASSERT_TRUE(store().create_domain(sample_config("good")).ok());
    ASSERT_TRUE(store().create_domain(sample_config("bad")).ok());
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("PRAGMA ignore_check_constraints = ON; "
                           "UPDATE domains SET state = 'bogus' WHERE name = 'bad'"),
                  SQLITE_OK);
    }
    EXPECT_FALSE(store().get_domain("bad").has_value());
    EXPECT_TRUE(contains(store().last_error(), "'bad'")) << store().last_error();
    EXPECT_TRUE(contains(store().last_error(), "bogus")) << store().last_error();
    auto all = store().list_domains();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].config.name, "good");
    EXPECT_TRUE(contains(store().last_error(), "bogus"));
    EXPECT_TRUE(store().get_domain("good").has_value());
    EXPECT_EQ(store().last_error(), "") << "cleared by the next successful read";
}

TEST_F(StoreDomains, IdsAreNeverReused) {
    auto a = store().create_domain(sample_config("a"));
    auto b = store().create_domain(sample_config("b"));
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(store().delete_domain("b").ok());
    reopen();
    auto c = store().create_domain(sample_config("b"));
    ASSERT_TRUE(c.ok());
    EXPECT_GT(c->id, b->id);
}

}  // namespace
}  // namespace domus::control::test

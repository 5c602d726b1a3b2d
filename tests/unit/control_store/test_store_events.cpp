// The lifecycle event log: ids, times, cursors and limits.
#include <limits>

#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

class StoreEvents : public StoreTest {};

TEST_F(StoreEvents, AppendAssignsIdAndTimeWhenZero) {
    const int64_t before = wall_ms();
    auto e = store().append_event(Event{0, 0, "web1", "started", "pid 7"});
    const int64_t after = wall_ms();
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_GT(e->id, 0);
    EXPECT_GE(e->time, before);
    EXPECT_LE(e->time, after);
    EXPECT_EQ(e->domain, "web1");
    EXPECT_EQ(e->type, "started");
    EXPECT_EQ(e->detail, "pid 7");
    auto stored = store().events_after(0, 1);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].id, e->id);
    EXPECT_EQ(stored[0].time, e->time);
    EXPECT_EQ(stored[0].detail, "pid 7");
}

TEST_F(StoreEvents, AppendKeepsAGivenTimeAndIgnoresAGivenId) {
    auto e = store().append_event(Event{500, 1796000000000, "", "adopted", ""});
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->time, 1796000000000);
    EXPECT_EQ(e->id, 1);
    EXPECT_EQ(store().events_after(0, 5).at(0).domain, "") << "host events have no domain";
}

TEST_F(StoreEvents, AppendRefusesAnEmptyType) {
    auto e = store().append_event(Event{0, 0, "web1", "", ""});
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::io);
    EXPECT_TRUE(contains(e.error().message, "CHECK")) << e.error().message;
    EXPECT_EQ(store().last_event_id(), 0);
}

TEST_F(StoreEvents, IdsIncreaseAndCursorsPage) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 10; ++i) {
        auto e = store().append_event(Event{0, 0, "d", "t" + std::to_string(i), ""});
        ASSERT_TRUE(e.ok());
        if (!ids.empty()) {
            EXPECT_GT(e->id, ids.back());
        }
        ids.push_back(e->id);
    }
    EXPECT_EQ(store().last_event_id(), ids.back());

    std::vector<int64_t> seen;
    int64_t cursor = 0;
    for (;;) {
        auto page = store().events_after(cursor, 3);
        if (page.empty()) break;
        EXPECT_LE(page.size(), 3u);
        for (const Event& e : page) seen.push_back(e.id);
        cursor = page.back().id;
    }
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(store().events_after(ids[4], 100).size(), 5u);
    EXPECT_EQ(store().events_after(ids[4], 100).front().type, "t5");
    EXPECT_TRUE(store().events_after(ids.back(), 100).empty());
    EXPECT_TRUE(store().events_after(0, 0).empty());
    EXPECT_EQ(store().events_after(-5, std::numeric_limits<size_t>::max()).size(), 10u);
    EXPECT_EQ(store().last_error(), "");
}

TEST_F(StoreEvents, UpdateEventDefaultsToTheDomainsName) {
    auto r = store().create_domain(sample_config("web1"));
    ASSERT_TRUE(r.ok());
    DomainRecord rec = *r;
    rec.state = DomainState::running;
    rec.pid = 77;
    ASSERT_TRUE(store().update_domain(rec, Event{0, 0, "", "started", "pid 77"}).ok());
    ASSERT_TRUE(store().update_domain(rec, Event{0, 42, "other", "adopted", ""}).ok());
    auto events = store().events_after(0, 10);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[1].domain, "web1");
    EXPECT_EQ(events[1].type, "started");
    EXPECT_EQ(events[1].detail, "pid 77");
    EXPECT_GT(events[1].time, 0);
    EXPECT_EQ(events[2].domain, "other");
    EXPECT_EQ(events[2].time, 42);
}

TEST_F(StoreEvents, EventsOutliveTheirDomainAndIdsSurviveReopen) {
    ASSERT_TRUE(store().create_domain(sample_config("d")).ok());
    ASSERT_TRUE(store().delete_domain("d").ok());
    const int64_t last = store().last_event_id();
    reopen();
    EXPECT_EQ(store().last_event_id(), last);
    EXPECT_EQ(store().events_after(0, 10).size(), 2u);
    auto next = store().append_event(Event{0, 0, "", "note", ""});
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->id, last + 1);
}

TEST_F(StoreEvents, PruneKeepsExactlyTheNewestAndIdsGoOn) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(store().append_event(Event{0, 0, "", "e", ""}).ok());
    auto deleted = store().prune_events(20);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message;
    EXPECT_EQ(deleted.value(), 30);
    const auto left = store().events_after(0, 100);
    ASSERT_EQ(left.size(), 20u);
    EXPECT_EQ(left.front().id, 31);
    EXPECT_EQ(left.back().id, 50);
    EXPECT_EQ(store().prune_events(20).value(), 0);  // nothing more to do
    EXPECT_EQ(store().prune_events(1000).value(), 0);
    reopen();
    EXPECT_EQ(store().append_event(Event{0, 0, "", "e", ""})->id, 51);  // never reused
    EXPECT_EQ(store().prune_events(0).value(), 21);
    EXPECT_TRUE(store().events_after(0, 100).empty());
    EXPECT_EQ(store().prune_events(-1).error().code, Errc::invalid_argument);
}

TEST_F(StoreEvents, PruneOnAnEmptyLogDeletesNothing) {
    auto deleted = store().prune_events(10);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message;
    EXPECT_EQ(deleted.value(), 0);
}

}  // namespace
}  // namespace domus::control::test

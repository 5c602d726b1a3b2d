// DomainTable: the in-memory copy follows every committed change and nothing else, the
// generation grows with each change, and a reopened table reads what the store holds.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "control/domain_table.hpp"
#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

class DomainTableTest : public ::testing::Test {
  protected:
    void SetUp() override { open(); }
    void open() {
        table_.reset();
        auto s = StateStore::open(dir_.file("domus.db"));
        ASSERT_TRUE(s.ok()) << s.error().message;
        table_ = DomainTable::open(std::move(s).value());
    }
    // What SQLite itself holds, through a second store on the same file.
    std::vector<DomainRecord> stored() {
        auto s = StateStore::open(dir_.file("domus.db"));
        EXPECT_TRUE(s.ok());
        return s.ok() ? s.value().list_domains() : std::vector<DomainRecord>{};
    }
    void expect_matches_store() {
        const auto mem = table_->list();
        const auto db = stored();
        ASSERT_EQ(mem.size(), db.size());
        for (size_t i = 0; i < mem.size(); ++i) expect_same(mem[i], db[i]);
    }

    TempDir dir_;
    std::unique_ptr<DomainTable> table_;
};

TEST_F(DomainTableTest, CreateIsVisibleAtOnceAndBumpsTheGeneration) {
    const uint64_t g0 = table_->generation();
    int64_t first_event = 0;
    auto a = table_->create(sample_config("a"), first_event);
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_GT(first_event, 0);
    EXPECT_EQ(table_->generation(), g0 + 1);
    auto got = table_->get("a");
    ASSERT_TRUE(got.has_value());
    expect_same(*got, a.value());
    ASSERT_TRUE(table_->get(a->id).has_value());
    expect_matches_store();
}

TEST_F(DomainTableTest, AFailedWriteChangesNeitherCopyNorGeneration) {
    int64_t ev = 0;
    ASSERT_TRUE(table_->create(sample_config("a"), ev).ok());
    auto b = table_->create(sample_config("b"), ev);
    ASSERT_TRUE(b.ok());
    const uint64_t g = table_->generation();

    EXPECT_FALSE(table_->create(sample_config("a"), ev).ok());  // duplicate name
    DomainRecord renamed = b.value();
    renamed.config.name = "a";  // onto a taken name
    EXPECT_FALSE(table_->update(renamed, Event{}).ok());
    DomainRecord ghost = b.value();
    ghost.id = 999;
    EXPECT_FALSE(table_->update(ghost, Event{}).ok());  // unknown id
    EXPECT_FALSE(table_->remove("nobody").ok());
    EXPECT_FALSE(table_->discard("nobody", 1).ok());

    EXPECT_EQ(table_->generation(), g);
    EXPECT_EQ(table_->get("b")->config.name, "b");
    EXPECT_EQ(table_->list().size(), 2u);
    expect_matches_store();
}

TEST_F(DomainTableTest, UpdateHoldsTheRecordAsStored) {
    int64_t ev = 0;
    auto a = table_->create(sample_config("a"), ev);
    ASSERT_TRUE(a.ok());
    DomainRecord r = a.value();
    r.state = DomainState::running;
    r.pid = 4242;
    r.created_at = 1;  // the store keeps the original
    r.updated_at = 0;  // the store stamps it
    r.last_exit = ExitInfo{"crash", 3, "boom"};
    Event e;
    e.type = "started";
    ASSERT_TRUE(table_->update(r, e).ok());
    const auto got = table_->get("a");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->state, DomainState::running);
    EXPECT_EQ(got->pid, 4242);
    EXPECT_EQ(got->created_at, a->created_at);
    EXPECT_GT(got->updated_at, 0);
    expect_matches_store();
    EXPECT_EQ(table_->events_after(0, 10).back().type, "started");
}

TEST_F(DomainTableTest, RemoveAndDiscardDropTheRecord) {
    int64_t ev_a = 0, ev_b = 0;
    ASSERT_TRUE(table_->create(sample_config("a"), ev_a).ok());
    ASSERT_TRUE(table_->create(sample_config("b"), ev_b).ok());
    const uint64_t g = table_->generation();
    ASSERT_TRUE(table_->remove("a").ok());
    EXPECT_FALSE(table_->get("a").has_value());
    ASSERT_TRUE(table_->discard("b", ev_b).ok());
    EXPECT_FALSE(table_->get("b").has_value());
    EXPECT_EQ(table_->generation(), g + 2);
    EXPECT_TRUE(table_->list().empty());
    expect_matches_store();
    // The name is free again, for a new id.
    auto again = table_->create(sample_config("a"), ev_a);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(table_->get("a")->id, again->id);
}

TEST_F(DomainTableTest, ReopenReadsWhatTheStoreHolds) {
    int64_t ev = 0;
    for (const char* n : {"c", "a", "b"}) ASSERT_TRUE(table_->create(sample_config(n), ev).ok());
    ASSERT_TRUE(table_->remove("a").ok());
    open();
    const auto all = table_->list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].config.name, "c");  // ordered by id
    EXPECT_EQ(all[1].config.name, "b");
    expect_matches_store();
}

TEST_F(DomainTableTest, ADamagedRowIsSkippedTheOthersStay) {
    int64_t ev = 0;
    for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(table_->create(sample_config(n), ev).ok());
    {
        RawDb raw(dir_.file("domus.db"));
        ASSERT_EQ(raw.exec("UPDATE domains SET vcpus = 5000000000 WHERE name = 'b'"), SQLITE_OK);
    }
    open();
    const auto all = table_->list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].config.name, "a");
    EXPECT_EQ(all[1].config.name, "c");
    EXPECT_FALSE(table_->create(sample_config("b"), ev).ok());  // the name is still taken
}

TEST_F(DomainTableTest, ConcurrentWritersAndReadersAgreeWithTheStore) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([this, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
                int64_t ev = 0;
                auto r = table_->create(sample_config(name), ev);
                ASSERT_TRUE(r.ok()) << r.error().message;
                if (i % 2 == 0) {
                    ASSERT_TRUE(table_->remove(name).ok());
                }
                (void)table_->list();
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(table_->list().size(), 4u * 12);
    expect_matches_store();
}

}  // namespace
}  // namespace domus::control::test

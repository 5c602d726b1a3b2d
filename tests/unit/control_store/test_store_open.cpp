// Opening the store: fresh databases, reopening, and paths that are not a usable database.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(StoreOpen, CreatesAFreshDatabaseWithWalAndSchemaV1) {
    TempDir dir;
    const std::string path = dir.file("domus.db");
    auto store = StateStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(store->schema_version(), 6);
    EXPECT_TRUE(store->list_domains().empty());
    EXPECT_EQ(store->last_event_id(), 0);
    EXPECT_EQ(store->last_error(), "");

    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "the database holds every domain's configuration";

    RawDb raw(path);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.scalar("PRAGMA user_version"), 6);
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                         "('domains', 'events')"),
              2);
}

TEST(StoreOpen, MigratesAnEmptyFile) {
    TempDir dir;
    const std::string path = dir.file("empty.db");
    { std::ofstream(path, std::ios::binary); }
    auto store = StateStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(store->schema_version(), 6);
    ASSERT_TRUE(store->create_domain(sample_config("a")).ok());
}

TEST(StoreOpen, ReopenIsANoOpAndKeepsEverything) {
    TempDir dir;
    const std::string path = dir.file("domus.db");
    DomainRecord created;
    {
        auto store = StateStore::open(path);
        ASSERT_TRUE(store.ok()) << store.error().message;
        auto r = store->create_domain(sample_config("keep"));
        ASSERT_TRUE(r.ok()) << r.error().message;
        created = *r;
        ASSERT_TRUE(store->append_event(Event{0, 0, "", "host_note", "x"}).ok());
    }
    for (int i = 0; i < 2; ++i) {
        // Re-running a migration would fail (its tables and columns exist): opening skips them.
        auto store = StateStore::open(path);
        ASSERT_TRUE(store.ok()) << store.error().message;
        EXPECT_EQ(store->schema_version(), 6);
        auto got = store->get_domain("keep");
        ASSERT_TRUE(got.has_value());
        expect_same(*got, created);
        EXPECT_EQ(store->last_event_id(), 2);
        auto events = store->events_after(0, 10);
        ASSERT_EQ(events.size(), 2u);
        EXPECT_EQ(events[1].type, "host_note");
    }
}

TEST(StoreOpen, InMemoryDatabaseWorks) {
    auto store = StateStore::open(":memory:");
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->create_domain(sample_config("m")).ok());
    EXPECT_EQ(store->list_domains().size(), 1u);
}

TEST(StoreOpen, RefusesADirectory) {
    TempDir dir;
    auto store = StateStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, dir.path())) << store.error().message;
    EXPECT_TRUE(contains(store.error().message, "directory")) << store.error().message;
}

TEST(StoreOpen, RefusesAMissingParentDirectory) {
    TempDir dir;
    const std::string path = dir.file("no/such/dir/domus.db");
    auto store = StateStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, path)) << store.error().message;
}

TEST(StoreOpen, RefusesAPathBelowARegularFile) {
    TempDir dir;
    { std::ofstream(dir.file("plain")) << "x"; }
    const std::string path = dir.file("plain/domus.db");
    auto store = StateStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, path)) << store.error().message;
}

TEST(StoreOpen, RefusesANonSqliteFileAndLeavesItAlone) {
    TempDir dir;
    const std::string path = dir.file("notes.txt");
    std::string content(8192, 'z');
    content.replace(0, 23, "this is not a database\n");
    { std::ofstream(path, std::ios::binary) << content; }
    auto store = StateStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, path)) << store.error().message;
    EXPECT_TRUE(contains(store.error().message, "not a database")) << store.error().message;
    EXPECT_EQ(read_all(path), content);
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreOpen, RefusesANonRegularFile) {
    auto store = StateStore::open("/dev/null");
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, "/dev/null")) << store.error().message;
}

TEST(StoreOpen, RefusesAnUnreadableFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
    TempDir dir;
    const std::string path = dir.file("locked.db");
    ASSERT_TRUE(StateStore::open(path).ok());
    ASSERT_EQ(::chmod(path.c_str(), 0), 0);
    auto store = StateStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
    EXPECT_TRUE(contains(store.error().message, path)) << store.error().message;
}

TEST(StoreOpen, RefusesAnEmptyPath) {
    auto store = StateStore::open("");
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::io);
}

TEST(StoreOpen, MovesKeepTheConnection) {
    TempDir dir;
    auto opened = StateStore::open(dir.file("domus.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    StateStore a = std::move(opened).value();
    ASSERT_TRUE(a.create_domain(sample_config("one")).ok());
    StateStore b = std::move(a);
    EXPECT_TRUE(b.get_domain("one").has_value());
    auto other = StateStore::open(dir.file("other.db"));
    ASSERT_TRUE(other.ok());
    b = std::move(other).value();
    EXPECT_FALSE(b.get_domain("one").has_value());
    EXPECT_TRUE(b.create_domain(sample_config("two")).ok());
}

}  // namespace
}  // namespace domus::control::test

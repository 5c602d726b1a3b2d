// Schema versioning: the migration runner, and databases newer than this code.
#include "control/state_store_schema.hpp"

#include <fstream>
#include <span>

#include "store_fixture.hpp"

namespace domus::control::test {
namespace {

namespace schema = store_schema;

TEST(StoreMigrations, ShippedListIsOrderedFromOne) {
    auto list = schema::migrations();
    ASSERT_FALSE(list.empty());
    for (size_t i = 0; i < list.size(); ++i) {
        EXPECT_EQ(list[i].version, static_cast<int>(i + 1));
    }
    EXPECT_EQ(schema::latest_version(), list.back().version);
}

TEST(StoreMigrations, RefusesANewerDatabaseAndLeavesItAlone) {
    TempDir dir;
    const std::string path = dir.file("domus.db");
    {
        auto store = StateStore::open(path);
        ASSERT_TRUE(store.ok()) << store.error().message;
        ASSERT_TRUE(store->create_domain(sample_config("future")).ok());
    }
    {
        RawDb raw(path);
        ASSERT_EQ(raw.exec("PRAGMA user_version = 7"), SQLITE_OK);
    }
    auto store = StateStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::unsupported);
    const std::string& msg = store.error().message;
    EXPECT_TRUE(contains(msg, path)) << msg;
    EXPECT_TRUE(contains(msg, "version 7")) << msg;
    EXPECT_TRUE(contains(msg, "(" + std::to_string(schema::latest_version()) + ")")) << msg;
    RawDb raw(path);
    EXPECT_EQ(raw.scalar("PRAGMA user_version"), 7);
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM domains"), 1);
}

TEST(StoreMigrations, AVersion1DatabaseGainsTheRamdiskColumn) {
    TempDir dir;
    const std::string path = dir.file("domus.db");
    {
        { std::ofstream(path, std::ios::binary); }
        RawDb raw(path);
        auto v1 = schema::migrate(raw.get(), path, schema::migrations().first(1));
        ASSERT_TRUE(v1.ok()) << v1.error().message;
        ASSERT_EQ(
            raw.exec("INSERT INTO domains (name, memory, vcpus, kernel, cmdline, on_poweroff, "
                     "on_reboot, on_crash, state, created_at, updated_at) VALUES ('old', 64, "
                     "1, '/k', 'x', 'destroy', 'restart', 'destroy', 'stopped', 1, 1)"),
            SQLITE_OK);
    }
    auto store = StateStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(store->schema_version(), 6);
    auto old = store->get_domain("old");
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->config.kernel, "/k");
    EXPECT_EQ(old->config.ramdisk, "");       // none: what every v1 domain had
    EXPECT_TRUE(old->config.disks.empty());   // v3: no disks before
    EXPECT_EQ(old->config.cpu_weight, 256u);  // v5: xl's default weight, no cap, every CPU
    EXPECT_EQ(old->config.cap, 0u);
    EXPECT_EQ(old->config.cpus, "");
    DomainRecord rec = *old;
    rec.config.ramdisk = "/srv/initramfs.cpio.gz";
    ASSERT_TRUE(store->update_domain(rec, {}).ok());
    EXPECT_EQ(store->get_domain("old")->config.ramdisk, "/srv/initramfs.cpio.gz");
    rec.config.disks = {DiskConfig{"a.img", "xvdc", true, 0, 9}};
    ASSERT_TRUE(store->update_domain(rec, {}).ok());
    EXPECT_EQ(store->get_domain("old")->config.disks, rec.config.disks);
    rec.config.cpu_weight = 512;
    rec.config.cap = 30;
    rec.config.cpus = "0-1,^0";
    ASSERT_TRUE(store->update_domain(rec, {}).ok());
    const auto sched = store->get_domain("old");
    EXPECT_EQ(sched->config.cpu_weight, 512u);
    EXPECT_EQ(sched->config.cap, 30u);
    EXPECT_EQ(sched->config.cpus, "0-1,^0");
    EXPECT_TRUE(sched->config.exec.empty());  // v6: no program to pack before
    rec.config.exec = ExecConfig{"bin/hello", {"a", "b c", ""}, true, "site"};
    ASSERT_TRUE(store->update_domain(rec, {}).ok());
    EXPECT_EQ(store->get_domain("old")->config.exec, rec.config.exec);
}

TEST(StoreSchema, ResourceColumnsRefuseValuesOutOfRange) {
    TempDir dir;
    const std::string path = dir.file("r.db");
    {
        auto store = StateStore::open(path);
        ASSERT_TRUE(store.ok());
    }
    RawDb raw(path);
    const char* insert =
        "INSERT INTO domains (name, memory, vcpus, on_poweroff, on_reboot, on_crash, state, "
        "created_at, updated_at, cpu_weight, cap) VALUES ('x', 64, 1, 'destroy', 'restart', "
        "'destroy', 'stopped', 1, 1, %s)";
    char sql[512];
    for (const char* bad : {"0, 0", "65536, 0", "256, -1", "256, 6401"}) {
        std::snprintf(sql, sizeof sql, insert, bad);
        EXPECT_NE(raw.exec(sql), SQLITE_OK) << bad;
    }
    std::snprintf(sql, sizeof sql, insert, "65535, 6400");
    EXPECT_EQ(raw.exec(sql), SQLITE_OK);
}

class MigrateTest : public ::testing::Test {
  protected:
    TempDir dir_;
    std::string path_ = dir_.file("m.db");
    RawDb raw_{[this] {
        { std::ofstream(path_, std::ios::binary); }
        return path_;
    }()};
};

constexpr schema::Migration kGood[] = {
    {1, "CREATE TABLE a (x INTEGER); PRAGMA user_version = 1;"},
    {2, "CREATE TABLE b (x INTEGER); PRAGMA user_version = 2;"},
    {3, "ALTER TABLE a ADD COLUMN y TEXT; PRAGMA user_version = 3;"},
};

TEST_F(MigrateTest, AppliesAllInOrderThenNothing) {
    auto v = schema::migrate(raw_.get(), path_, kGood);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(*v, 3);
    EXPECT_EQ(raw_.scalar("PRAGMA user_version"), 3);
    EXPECT_EQ(raw_.exec("INSERT INTO a (x, y) VALUES (1, 'y')"), SQLITE_OK);
    // Again: every migration is already applied (re-running any of them would fail).
    auto again = schema::migrate(raw_.get(), path_, kGood);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, 3);
}

TEST_F(MigrateTest, ContinuesFromAnOlderVersion) {
    auto v1 = schema::migrate(raw_.get(), path_, std::span(kGood).first(1));
    ASSERT_TRUE(v1.ok()) << v1.error().message;
    EXPECT_EQ(*v1, 1);
    EXPECT_EQ(raw_.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0);
    auto v3 = schema::migrate(raw_.get(), path_, kGood);
    ASSERT_TRUE(v3.ok()) << v3.error().message;
    EXPECT_EQ(*v3, 3);
    EXPECT_EQ(raw_.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 1);
}

TEST_F(MigrateTest, AFailingMigrationRollsBackOnlyItself) {
    constexpr schema::Migration broken[] = {
        kGood[0],
        // Creates c, then fails: c must not survive, and the version must stay 1.
        {2, "CREATE TABLE c (x INTEGER); CREATE TABLE a (x INTEGER); PRAGMA user_version = 2;"},
        kGood[2],
    };
    auto v = schema::migrate(raw_.get(), path_, broken);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, Errc::io);
    EXPECT_TRUE(contains(v.error().message, path_)) << v.error().message;
    EXPECT_TRUE(contains(v.error().message, "version 2")) << v.error().message;
    EXPECT_EQ(raw_.scalar("PRAGMA user_version"), 1);
    EXPECT_EQ(raw_.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'c')"), 1);
    EXPECT_EQ(sqlite3_get_autocommit(raw_.get()), 1) << "no transaction left open";
    // Fixed in the next release: the run continues from version 1.
    auto fixed = schema::migrate(raw_.get(), path_, kGood);
    ASSERT_TRUE(fixed.ok()) << fixed.error().message;
    EXPECT_EQ(*fixed, 3);
}

TEST_F(MigrateTest, AScriptThatForgetsItsVersionIsAnError) {
    constexpr schema::Migration forgetful[] = {{1, "CREATE TABLE a (x INTEGER);"}};
    auto v = schema::migrate(raw_.get(), path_, forgetful);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(raw_.scalar("PRAGMA user_version"), 0);
    EXPECT_EQ(raw_.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'a'"), 0);
}

TEST_F(MigrateTest, NewerThanTheListIsUnsupported) {
    ASSERT_EQ(raw_.exec("PRAGMA user_version = 4"), SQLITE_OK);
    auto v = schema::migrate(raw_.get(), path_, kGood);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, Errc::unsupported);
    EXPECT_TRUE(contains(v.error().message, "version 4")) << v.error().message;
}

}  // namespace
}  // namespace domus::control::test

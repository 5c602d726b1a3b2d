// Shared helpers for the state store tests: a temporary directory, a sample configuration,
// and a second, raw SQLite connection to look at (or tamper with) the database directly.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "control/state_store.hpp"

namespace domus::control::test {

inline int64_t wall_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/domus-store-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        EXPECT_NE(p, nullptr);
        path_ = p != nullptr ? p : "/nonexistent";
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

inline DomainConfig sample_config(const std::string& name) {
    DomainConfig c;
    c.name = name;
    c.memory = 128;
    c.vcpus = 2;
    c.kernel = "/srv/kernels/" + name + ".elf";
    c.ramdisk = "/srv/initramfs/" + name + ".cpio.gz";
    c.cmdline = "console=hvc0 role=" + name;
    c.on_poweroff = Policy::preserve;
    c.on_reboot = Policy::destroy;
    c.on_crash = Policy::restart;
    DiskConfig root;
    root.path = name + "-root.img";
    root.vdev = "xvdb";
    root.read_only = true;
    root.bytes_per_sec = 1 << 20;
    root.ops_per_sec = 50;
    DiskConfig data;
    data.path = "/srv/images/" + name + " data.img";
    c.disks = {root, data};
    return c;
}

// A raw connection for looking under the store's hood. The store keeps no transaction open
// between calls, so both connections can be used in turn from one thread.
class RawDb {
  public:
    explicit RawDb(const std::string& path) {
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        sqlite3_busy_timeout(db_, 2000);
    }
    ~RawDb() { sqlite3_close_v2(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    sqlite3* get() const { return db_; }
    // Runs a constant test script; returns the SQLite result code.
    int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
    // The first column of the first row as an integer (-1 when there is no row or an error).
    int64_t scalar(const char* sql) {
        sqlite3_stmt* s = nullptr;
        int64_t v = -1;
        if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            v = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
        return v;
    }
    std::string text(const char* sql) {
        sqlite3_stmt* s = nullptr;
        std::string v;
        if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
            v = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
        return v;
    }

  private:
    sqlite3* db_ = nullptr;
};

// A fresh store in a temporary directory.
class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = StateStore::open(path());
        ASSERT_TRUE(s.ok()) << s.error().message;
        store_.emplace(std::move(s).value());
    }
    std::string path() const { return dir_.file("domus.db"); }
    StateStore& store() { return *store_; }
    int64_t event_count() {
        RawDb raw(path());
        return raw.scalar("SELECT count(*) FROM events");
    }
    void reopen() {
        store_.reset();
        auto s = StateStore::open(path());
        ASSERT_TRUE(s.ok()) << s.error().message;
        store_.emplace(std::move(s).value());
    }

    TempDir dir_;
    std::optional<StateStore> store_;
};

// Every field of two records, with the field's name on a mismatch.
inline void expect_same(const DomainRecord& a, const DomainRecord& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.config.name, b.config.name);
    EXPECT_EQ(a.config.memory, b.config.memory);
    EXPECT_EQ(a.config.vcpus, b.config.vcpus);
    EXPECT_EQ(a.config.kernel, b.config.kernel);
    EXPECT_EQ(a.config.ramdisk, b.config.ramdisk);
    EXPECT_EQ(a.config.cmdline, b.config.cmdline);
    EXPECT_EQ(a.config.on_poweroff, b.config.on_poweroff);
    EXPECT_EQ(a.config.on_reboot, b.config.on_reboot);
    EXPECT_EQ(a.config.on_crash, b.config.on_crash);
    EXPECT_EQ(a.config.disks, b.config.disks);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.pid, b.pid);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.started_at, b.started_at);
    ASSERT_EQ(a.last_exit.has_value(), b.last_exit.has_value());
    if (a.last_exit) {
        EXPECT_EQ(a.last_exit->reason, b.last_exit->reason);
        EXPECT_EQ(a.last_exit->code, b.last_exit->code);
        EXPECT_EQ(a.last_exit->detail, b.last_exit->detail);
    }
    EXPECT_EQ(a.restarts, b.restarts);
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace domus::control::test

// The real Controller's list contract, without starting any domain: one immutable snapshot
// handed out until something changes (the API caches the serialised list by it), definitions
// visible at once, host figures from the same records.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "control/controller_impl.hpp"

namespace domus::control {
namespace {

class ControllerSnapshot : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-controller-test-XXXXXX";
        const char* dir = ::mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        dir_ = dir;
        ControllerOptions o;
        o.state_dir = dir_ + "/state";
        o.vmm_path = "/nonexistent/domus-vmm";  // nothing here starts a domain
        o.version = "test";
        auto c = open_controller(o);
        ASSERT_TRUE(c.ok()) << c.error().message;
        controller_ = std::move(c).value();
    }
    void TearDown() override {
        controller_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    static DomainConfig config(const std::string& name) {
        DomainConfig c;
        c.name = name;
        c.memory = 16;
        return c;
    }

    std::string dir_;
    std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerSnapshot, SameObjectUntilSomethingChanges) {
    const auto a = controller_->list_domains();
    ASSERT_EQ(a->size(), 1u);
    EXPECT_TRUE(a->front().is_domain0);
    EXPECT_EQ(controller_->list_domains(), a);  // nothing changed: the very same snapshot

    ASSERT_TRUE(controller_->create_domain(config("web1"), false).ok());
    const auto b = controller_->list_domains();
    EXPECT_NE(b, a);
    ASSERT_EQ(b->size(), 2u);
    EXPECT_EQ((*b)[1].record.config.name, "web1");
    EXPECT_EQ(a->size(), 1u);  // an earlier snapshot is never changed under its holder
    EXPECT_EQ(controller_->list_domains(), b);

    DomainConfigPatch patch;
    patch.memory = 32;
    ASSERT_TRUE(controller_->patch_domain("web1", patch).ok());
    const auto c = controller_->list_domains();
    EXPECT_NE(c, b);
    EXPECT_EQ((*c)[1].record.config.memory, 32u);

    ASSERT_TRUE(controller_->delete_domain("web1").ok());
    EXPECT_EQ(controller_->list_domains()->size(), 1u);
}

TEST_F(ControllerSnapshot, AFailedRequestLeavesTheSnapshotAlone) {
    ASSERT_TRUE(controller_->create_domain(config("web1"), false).ok());
    const auto a = controller_->list_domains();
    EXPECT_FALSE(controller_->create_domain(config("web1"), false).ok());  // duplicate
    EXPECT_FALSE(controller_->delete_domain("nobody").ok());
    EXPECT_FALSE(controller_->act("web1", Action::pause, {}).ok());  // not running
    EXPECT_EQ(controller_->list_domains(), a);
}

TEST_F(ControllerSnapshot, HostCountsTheSameRecords) {
    for (const char* n : {"a", "b", "c"}) {
        ASSERT_TRUE(controller_->create_domain(config(n), false).ok());
    }
    const HostView h = controller_->host();
    EXPECT_EQ(h.domains_total, 3u);
    EXPECT_EQ(h.domains_running, 0u);
    EXPECT_EQ(h.memory_assigned_mib, 0u);
    EXPECT_GT(h.cpus, 0u);
    EXPECT_GT(h.memory_total_mib, 0u);
    EXPECT_EQ(controller_->list_domains()->front().record.config.vcpus, h.cpus);
}

}  // namespace
}  // namespace domus::control

// The exit file (src/vmm/exit_file.hpp): its pure format/parse and the atomic write.
#include "vmm/exit_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace domus::vmm {
namespace {

std::string error_of(std::string_view text) {
    auto r = parse_exit_info(text);
    return r ? std::string() : r.error().message;
}

TEST(ExitInfo, EveryReasonRoundTrips) {
    for (const char* reason : {"poweroff", "exit", "reboot", "crash", "triple_fault", "vcpu_error",
                               "destroyed", "seccomp"}) {
        ExitInfo in{reason, 6, "guest reported a crash: \"ud2\"\n"};
        const std::string text = format_exit_info(in);
        EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
        auto out = parse_exit_info(text);
        ASSERT_TRUE(out.ok()) << out.error().message;
        EXPECT_EQ(out->reason, in.reason);
        EXPECT_EQ(out->code, in.code);
        EXPECT_EQ(out->detail, in.detail);
    }
}

TEST(ExitInfo, ExactFormat) {
    EXPECT_EQ(format_exit_info({"poweroff", 0, "guest powered off"}),
              "{\"reason\":\"poweroff\",\"code\":0,\"detail\":\"guest powered off\"}\n");
}

TEST(ExitInfo, DetailIsOptionalAndExtraFieldsIgnored) {
    auto r = parse_exit_info("{\"reason\":\"crash\",\"code\":4294967295,\"future\":[1]}");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->code, 4294967295);
    EXPECT_EQ(r->detail, "");
}

TEST(ExitInfo, Errors) {
    EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"poweroff\"").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("[]").find("not a JSON object"), std::string::npos);
    EXPECT_NE(error_of("{\"code\":0}").find("no \"reason\""), std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"monitor_died\",\"code\":0}").find("unknown reason"),
              std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"poweroff\"}").find("no \"code\""), std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"poweroff\",\"code\":1.5}").find("\"code\""),
              std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"poweroff\",\"code\":18446744073709551615}").find("\"code\""),
              std::string::npos);
    EXPECT_NE(error_of("{\"reason\":\"poweroff\",\"code\":0,\"detail\":3}").find("\"detail\""),
              std::string::npos);
    EXPECT_EQ(error_of("{\"reason\":\"poweroff\",\"code\":-1}"), "");
}

class ExitFile : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-exit-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/3.exit";
    }
    void TearDown() override {
        ::unlink(path.c_str());
        ::unlink((path + ".tmp").c_str());
        ::rmdir(dir.c_str());
    }
    std::string dir, path;
};

TEST_F(ExitFile, WriteThenRead) {
    ASSERT_TRUE(write_exit_file(path, {"reboot", 0, "guest requested reboot"}).ok());
    struct stat st {};
    EXPECT_NE(::stat((path + ".tmp").c_str(), &st), 0) << "the temporary file was left behind";
    auto r = read_exit_file(path);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->reason, "reboot");
    EXPECT_EQ(r->detail, "guest requested reboot");
}

TEST_F(ExitFile, OverwritesAnOlderFile) {
    ASSERT_TRUE(write_exit_file(path, {"crash", 6, "x"}).ok());
    ASSERT_TRUE(write_exit_file(path, {"poweroff", 0, "y"}).ok());
    auto r = read_exit_file(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->reason, "poweroff");
}

TEST_F(ExitFile, MissingIsNotFoundAndNamesThePath) {
    auto r = read_exit_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
}

TEST_F(ExitFile, GarbageNamesThePath) {
    std::ofstream(path) << "not json";
    auto r = read_exit_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
}

TEST_F(ExitFile, HugeFileIsRefused) {
    std::ofstream(path) << std::string(kMaxExitFileBytes + 10, ' ');
    EXPECT_FALSE(read_exit_file(path).ok());
}

TEST_F(ExitFile, UnwritableDirectoryIsAnError) {
    auto st = write_exit_file(dir + "/no/such/dir/1.exit", {"poweroff", 0, ""});
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("no/such/dir"), std::string::npos);
}

}  // namespace
}  // namespace domus::vmm

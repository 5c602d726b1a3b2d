// `domus disk-create` through a real domusd: an ext2 image e2fsck finds clean holding the
// from-dir's files, listed with the domains using it; refusals that leave nothing behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

bool have_e2fsprogs() {
    return ::access("/usr/sbin/mke2fs", X_OK) == 0 && ::access("/usr/sbin/e2fsck", X_OK) == 0 &&
           ::access("/usr/sbin/debugfs", X_OK) == 0;
}

// Every name in the dir, dot files (temporary images) included.
std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(DiskCreate, MakesAnExt2ImageFromADirectoryAndListsItsUsers) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs is not installed";
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.state_dir() + "/images";
    std::filesystem::create_directories(images + "/tree/etc");
    std::ofstream(images + "/tree/somefile") << "hello from the from-dir\n";
    std::ofstream(images + "/tree/etc/hostname") << "guest\n";

    auto made = d.cli({"disk-create", "root.img", "8M", "--from-dir", "tree"});
    ASSERT_EQ(made.exit_code, 0) << made.err << d.log();
    EXPECT_EQ(made.out, "root.img: 8388608 bytes at " + images + "/root.img\n");
    EXPECT_EQ(std::filesystem::file_size(images + "/root.img"), 8u << 20);

    auto fsck = run_process({"/usr/sbin/e2fsck", "-fn", images + "/root.img"});
    EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;
    auto cat = run_process({"/usr/sbin/debugfs", "-R", "cat /somefile", images + "/root.img"});
    EXPECT_EQ(cat.exit_code, 0) << cat.err;
    EXPECT_EQ(cat.out, "hello from the from-dir\n") << cat.err;
    auto host = run_process({"/usr/sbin/debugfs", "-R", "cat /etc/hostname", images + "/root.img"});
    EXPECT_EQ(host.out, "guest\n") << host.err;

    // An empty one through the API: 201 with the image.
    int status = 0;
    auto blank = d.json("POST", "/v1/images", R"({"name":"blank.img","size":"1M"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(blank);
    EXPECT_EQ(str(blank.as_object(), "path"), images + "/blank.img");
    EXPECT_EQ(num(blank.as_object(), "size"), 1 << 20);
    EXPECT_EQ(run_process({"/usr/sbin/e2fsck", "-fn", images + "/blank.img"}).exit_code, 0);

    d.json("POST", "/v1/domains", R"({"name":"vm","disks":[{"path":"root.img"}]})", &status);
    ASSERT_EQ(status, 201);
    d.json("POST", "/v1/domains",
           R"({"name":"vm2","disks":[{"path":")" + images + R"(/root.img","read_only":true}]})",
           &status);
    ASSERT_EQ(status, 201);
    auto list = d.json("GET", "/v1/images");
    EXPECT_EQ(json::serialize(list),
              R"({"images":[{"name":"blank.img","path":")" + images +
                  R"(/blank.img","size":1048576,"used_by":[]},{"name":"root.img","path":")" +
                  images + R"(/root.img","size":8388608,"used_by":["vm","vm2"]}]})");
    auto cli_list = d.cli({"disk-list"});
    ASSERT_EQ(cli_list.exit_code, 0) << cli_list.err;
    EXPECT_NE(cli_list.out.find("root.img                               8388608  vm,vm2"),
              std::string::npos)
        << cli_list.out;
    EXPECT_EQ(names_in(images), (std::vector<std::string>{"blank.img", "root.img", "tree"}));
}

TEST(DiskCreate, RefusalsNameTheProblemAndLeaveNothingBehind) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs is not installed";
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string images = d.state_dir() + "/images";
    std::ofstream(images + "/taken.img") << "keep me";
    std::filesystem::create_directories(d.dir() + "/secret");
    std::ofstream(d.dir() + "/secret/key") << "private";
    ASSERT_EQ(::symlink((d.dir() + "/secret").c_str(), (images + "/escape").c_str()), 0);
    ASSERT_EQ(::symlink("/etc", (images + "/etc").c_str()), 0);
    const auto before = names_in(images);

    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const Case cases[] = {
        {{"taken.img", "1M"}, "image 'taken.img' already exists in " + images},
        {{"../evil.img", "1M"}, "name \"../evil.img\" is not a plain file name"},
        {{".hidden", "1M"}, "is not a plain file name"},
        {{"a.img", "10X"}, "size \"10X\" has an unknown unit"},
        {{"a.img", "512K"}, "size \"512K\" is too small (at least 1M)"},
        {{"a.img", "3T"}, "size \"3T\" exceeds the limit of 2T"},
        {{"a.img", "1M", "--from-dir", "/etc"}, "directory '/etc' is outside the image dirs"},
        {{"a.img", "1M", "--from-dir", d.dir() + "/secret"}, "is outside the image dirs"},
        {{"a.img", "1M", "--from-dir", "escape"},
         "directory 'escape' resolves to " + d.dir() + "/secret, which is outside"},
        {{"a.img", "1M", "--from-dir", "etc"}, "directory 'etc' resolves to /etc, which is"},
        {{"a.img", "1M", "--from-dir", "missing"}, "directory 'missing' does not exist"},
        {{"a.img", "1M", "--from-dir", "taken.img"}, "'taken.img' is not a directory"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"disk-create"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto r = d.cli(args);
        EXPECT_EQ(r.exit_code, 1) << c.message;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err << "\nexpected: " << c.message;
        EXPECT_EQ(names_in(images), before) << c.message;
    }
    std::ifstream in(images + "/taken.img");
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(content, "keep me");
    int status = 0;
    d.json("POST", "/v1/images", R"({"name":"taken.img","size":"1M"})", &status);
    EXPECT_EQ(status, 409);
    d.json("POST", "/v1/images", R"({"name":"x.img","size":"1M","owner":"me"})", &status);
    EXPECT_EQ(status, 400);
    EXPECT_EQ(names_in(images), before);
}

}  // namespace
}  // namespace domus::test

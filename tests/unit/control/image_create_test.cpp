// create_ext2_image with the real mke2fs: a clean ext2 file system, never replacing a file,
// nothing left behind when mke2fs fails.
#include "control/image_create.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace domus::control {
namespace {

using ::testing::HasSubstr;

class ImageCreate : public ::testing::Test {
  protected:
    void SetUp() override {
        if (find_mke2fs().empty()) GTEST_SKIP() << "mke2fs (e2fsprogs) is not installed";
        char tmpl[] = "/tmp/domus-mke2fs-test-XXXXXX";
        const char* dir = ::mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        dir_ = dir;
    }
    void TearDown() override {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    // The names in the dir (temporary dot files included).
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir_)) {
            out.push_back(e.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    std::string dir_;
};

TEST_F(ImageCreate, MakesAnExt2ImageOfTheSize) {
    std::filesystem::create_directory(dir_ + "/tree");
    std::ofstream(dir_ + "/tree/hello.txt") << "hello\n";
    const Status st = create_ext2_image(find_mke2fs(), dir_, "a.img", 2 << 20, dir_ + "/tree");
    ASSERT_TRUE(st) << st.error().message;
    struct stat s {};
    ASSERT_EQ(::stat((dir_ + "/a.img").c_str(), &s), 0);
    EXPECT_EQ(s.st_size, 2 << 20);
    EXPECT_EQ(s.st_mode & 0777, 0600u);
    std::ifstream img(dir_ + "/a.img", std::ios::binary);
    img.seekg(1024 + 56);  // the superblock's magic
    unsigned char magic[2] = {};
    img.read(reinterpret_cast<char*>(magic), 2);
    EXPECT_EQ(magic[0], 0x53);
    EXPECT_EQ(magic[1], 0xEF);
    EXPECT_EQ(names(), (std::vector<std::string>{"a.img", "tree"}));
}

TEST_F(ImageCreate, NeverReplacesAFileAndLeavesNothingOnFailure) {
    std::ofstream(dir_ + "/taken.img") << "mine";
    Status st = create_ext2_image(find_mke2fs(), dir_, "taken.img", 1 << 20, "");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
    EXPECT_THAT(st.error().message, HasSubstr("image 'taken.img' already exists in " + dir_));
    std::ifstream in(dir_ + "/taken.img");
    std::string content;
    in >> content;
    EXPECT_EQ(content, "mine");

    st = create_ext2_image(find_mke2fs(), dir_, "b.img", 1 << 20, dir_ + "/no-such-dir");
    ASSERT_FALSE(st);
    EXPECT_THAT(st.error().message, HasSubstr("mke2fs failed (exit status"));
    EXPECT_EQ(names(), std::vector<std::string>{"taken.img"});  // no temporary file left

    st = create_ext2_image("", dir_, "c.img", 1 << 20, "");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::unsupported);
    st = create_ext2_image("/nonexistent/mke2fs", dir_, "c.img", 1 << 20, "");
    ASSERT_FALSE(st);
    EXPECT_THAT(st.error().message, HasSubstr("exit status 127"));
    EXPECT_EQ(names(), std::vector<std::string>{"taken.img"});
}

}  // namespace
}  // namespace domus::control

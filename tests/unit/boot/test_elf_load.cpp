// load_elf into real GuestMemory, and read_file.
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "boot/file_read.hpp"
#include "elf_test_util.hpp"

namespace domus::test {
namespace {

constexpr uint64_t kRam = 0x400000;  // 4 MiB

GuestMemory make_memory(uint64_t bytes = kRam) {
    auto mem = GuestMemory::create(bytes);
    EXPECT_TRUE(mem.ok());
    return std::move(mem).value();
}

std::vector<uint8_t> guest_bytes(const GuestMemory& mem, uint64_t gpa, uint64_t len) {
    std::vector<uint8_t> out(len);
    EXPECT_TRUE(mem.read(gpa, out).ok());
    return out;
}

TEST(ElfLoad, CopiesBytesAndZeroFillsBss) {
    const auto file = valid_image().build();
    auto image = parse_elf(file, ElfLimits{kRam, DOMUS_GPA_KERNEL_MIN});
    ASSERT_TRUE(image.ok()) << image.error().message;
    GuestMemory mem = make_memory();
    ASSERT_TRUE(mem.fill(0, kRam, 0xaa).ok());  // stale contents the bss must not keep

    ASSERT_TRUE(load_elf(*image, file, mem).ok());
    EXPECT_EQ(guest_bytes(mem, kCodeGpa, 0x200), pattern(0x200, 1));
    EXPECT_EQ(guest_bytes(mem, kDataGpa, 0x100), pattern(0x100, 7));
    EXPECT_EQ(guest_bytes(mem, kDataGpa + 0x100, 0x3000 - 0x100),
              std::vector<uint8_t>(0x3000 - 0x100, 0));
    // Bytes around the segments are untouched.
    EXPECT_EQ(guest_bytes(mem, kCodeGpa - 1, 1), std::vector<uint8_t>{0xaa});
    EXPECT_EQ(guest_bytes(mem, kCodeGpa + 0x200, 1), std::vector<uint8_t>{0xaa});
    EXPECT_EQ(guest_bytes(mem, kDataGpa + 0x3000, 1), std::vector<uint8_t>{0xaa});
}

TEST(ElfLoad, SegmentBeyondMemoryIsAnError) {
    const auto file = valid_image().build();
    auto image = parse_elf(file, kLimits);  // limits larger than the memory below
    ASSERT_TRUE(image.ok());
    GuestMemory mem = make_memory(0x101000);  // the data segment does not fit
    auto st = load_elf(*image, file, mem);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::out_of_range);
    EXPECT_NE(st.error().message.find("segment 1"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("0x101000"), std::string::npos) << st.error().message;
}

TEST(ElfLoad, ImageThatDoesNotMatchTheFileIsAnError) {
    const auto file = valid_image().build();
    auto image = parse_elf(file, kLimits);
    ASSERT_TRUE(image.ok());
    GuestMemory mem = make_memory();
    const std::vector<uint8_t> shorter(file.begin(), file.begin() + 0x1010);
    auto st = load_elf(*image, shorter, mem);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::bad_image);
    EXPECT_NE(st.error().message.find("0x1010"), std::string::npos) << st.error().message;

    ElfImage hostile = *image;
    hostile.segments[0].file_offset = 0xffffffffffffff00ull;
    st = load_elf(hostile, file, mem);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("0xffffffffffffff00"), std::string::npos);

    hostile = *image;
    hostile.segments[1].gpa = 0xfffffffffffff000ull;
    st = load_elf(hostile, file, mem);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::out_of_range);
}

class ReadFile : public testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-elf-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        for (const auto& p : files_) ::unlink(p.c_str());
        ::rmdir(dir_.c_str());
    }
    std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
        const std::string path = dir_ + "/" + name;
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        ::close(fd);
        files_.push_back(path);
        return path;
    }
    std::string dir_;
    std::vector<std::string> files_;
};

TEST_F(ReadFile, ReadsTheWholeFile) {
    const auto bytes = valid_image().build();
    auto r = read_file(write("kernel.elf", bytes), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, bytes);
    auto exact = read_file(write("exact", bytes), bytes.size());
    ASSERT_TRUE(exact.ok()) << exact.error().message;
}

TEST_F(ReadFile, MissingFileNamesThePath) {
    const std::string path = dir_ + "/no-such-kernel";
    auto r = read_file(path, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
}

TEST_F(ReadFile, EmptyFileNamesThePath) {
    const std::string path = write("empty", {});
    auto r = read_file(path, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(path + "' is empty"), std::string::npos) << r.error().message;
}

TEST_F(ReadFile, OversizedFileIsRejected) {
    const std::string path = write("big", pattern(100, 0));
    auto r = read_file(path, 99);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    EXPECT_NE(r.error().message.find("99 bytes"), std::string::npos) << r.error().message;
}

TEST_F(ReadFile, DirectoryIsRejected) {
    auto r = read_file(dir_, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(dir_), std::string::npos);
    EXPECT_NE(r.error().message.find("directory"), std::string::npos) << r.error().message;
}

TEST_F(ReadFile, StreamsAreReadToTheLimit) {
    // A pipe has no size up front: the limit is enforced while reading.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const auto bytes = pattern(5000, 3);
    ASSERT_EQ(::write(fds[1], bytes.data(), bytes.size()), 5000);
    ::close(fds[1]);
    const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
    auto r = read_file(path, 4999);
    ::close(fds[0]);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("4999 bytes"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace domus::test

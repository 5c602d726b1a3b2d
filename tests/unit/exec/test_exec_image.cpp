// boot/exec_image: the initramfs `domus run --exec` packs (program, busybox, overlay) and the
// command line that runs it. The command line is checked against the guest kernel's own parser
// (guest/kernel/init_cmdline.cpp, compiled for the host): every argument arrives as given.
#include "boot/exec_image.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "boot/cpio.hpp"
#include "boot/initramfs_loader.hpp"
#include "kernel/init_cmdline.hpp"
#include "memory/guest_memory.hpp"

namespace domus {
namespace {

using ::testing::HasSubstr;

struct Guest {
    std::string error;
    std::string path;
    std::vector<std::string> argv, envp;
};

// What the guest kernel makes of a command line.
Guest guest_parse(const std::string& cmdline) {
    std::vector<char> storage(cmdline.size() + 1);
    InitCommand out{};
    Guest g;
    if (const char* e = parse_init_cmdline(cmdline.c_str(), storage.data(), storage.size(), &out)) {
        g.error = e;
        return g;
    }
    g.path = out.path;
    for (uint32_t i = 0; i < out.argc; ++i) g.argv.emplace_back(out.argv[i]);
    for (uint32_t i = 0; i < out.envc; ++i) g.envp.emplace_back(out.envp[i]);
    return g;
}

TEST(ExecCmdline, EveryArgumentReachesInitAsGiven) {
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"a", "b"},
        {"b c", "", "it's", "say \"hi\"", "both ' and \"", "'", "\"", "''\"\"", "-c"},
        {"--", "init=/bin/other", "rdinit=x", "NAME=value", "quiet", "root=/dev/vda"},
        {"tab\there", "new\nline", "  spaces  ", "end'"},
    };
    for (const auto& args : cases) {
        auto line = exec_cmdline("", "/bin/prog", args);
        ASSERT_TRUE(line) << line.error().message;
        const Guest g = guest_parse(*line);
        ASSERT_EQ(g.error, "") << *line;
        EXPECT_EQ(g.path, "/bin/prog");
        std::vector<std::string> expected = {"/bin/prog"};
        expected.insert(expected.end(), args.begin(), args.end());
        EXPECT_EQ(g.argv, expected) << *line;
    }
}

TEST(ExecCmdline, KeepsTheUsersWordsAndAQuotedInitPath) {
    auto line = exec_cmdline("quiet  GREETING='hi there' ", "/bin/my prog", {"x"});
    ASSERT_TRUE(line);
    const Guest g = guest_parse(*line);
    ASSERT_EQ(g.error, "");
    EXPECT_EQ(g.path, "/bin/my prog");
    EXPECT_THAT(g.envp, ::testing::Contains("GREETING=hi there"));
    EXPECT_EQ(g.argv, (std::vector<std::string>{"/bin/my prog", "x"}));
}

TEST(ExecCmdline, RefusesWhatWouldChangeInitOrItsArguments) {
    auto dashes = exec_cmdline("quiet -- x", "/bin/p", {});
    ASSERT_FALSE(dashes);
    EXPECT_THAT(dashes.error().message, HasSubstr("\"--\" word"));
    auto quoted = exec_cmdline("'--'", "/bin/p", {});
    EXPECT_FALSE(quoted);  // the guest sees -- once the quotes are gone
    auto init = exec_cmdline("init=/bin/sh", "/bin/p", {});
    ASSERT_FALSE(init);
    EXPECT_THAT(init.error().message, HasSubstr("init=/bin/sh"));
    EXPECT_FALSE(exec_cmdline("rdinit=/x", "/bin/p", {}));
    EXPECT_FALSE(exec_cmdline("a='open", "/bin/p", {}));
    auto word = exec_cmdline("quiet ro rw rootwait extra", "/bin/p", {});
    ASSERT_FALSE(word);
    EXPECT_THAT(word.error().message, HasSubstr("\"extra\" would become an argument"));
    EXPECT_TRUE(exec_cmdline("", "/bin/p", std::vector<std::string>(kExecMaxArgs, "a")));
    auto many = exec_cmdline("", "/bin/p", std::vector<std::string>(kExecMaxArgs + 1, "a"));
    ASSERT_FALSE(many);
    EXPECT_THAT(many.error().message, HasSubstr("65 arguments"));
    auto nul = exec_cmdline("", "/bin/p", {"ok", std::string("a\0b", 3)});
    ASSERT_FALSE(nul);
    EXPECT_THAT(nul.error().message, HasSubstr("argument 2"));
}

TEST(ExecCmdline, QuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(quote_cmdline_word("plain"), "plain");
    EXPECT_EQ(quote_cmdline_word(""), "''");
    EXPECT_EQ(quote_cmdline_word("a b"), "'a b'");
    EXPECT_EQ(quote_cmdline_word("it's"), "'it'\"'\"'s'");
}

TEST(BusyboxApplets, ParsesTheListAndRefusesPaths) {
    auto ok = parse_busybox_applets("[\n[[\nbusybox\nls\nsh\n");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, (std::vector<std::string>{"[", "[[", "ls", "sh"}));
    EXPECT_FALSE(parse_busybox_applets(""));
    EXPECT_FALSE(parse_busybox_applets("ls\n../etc/passwd\n"));
    EXPECT_FALSE(parse_busybox_applets("usr/bin/ls\n"));
    EXPECT_FALSE(parse_busybox_applets(".."));
    EXPECT_FALSE(parse_busybox_applets(std::string("a\0b", 3)));
}

// build_exec_image with the host's static busybox as the program (scripts/bootstrap installs
// busybox-static).
class ExecImageTest : public ::testing::Test {
  protected:
    void SetUp() override {
        struct stat st {};
        if (::stat("/bin/busybox", &st) != 0) GTEST_SKIP() << "no /bin/busybox";
        char tmpl[] = "/tmp/domus-exec-image-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        if (!dir_.empty()) {
            EXPECT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0);
        }
    }

    struct Packed {
        std::vector<uint8_t> archive;
        std::map<std::string, CpioEntry> entries;
    };
    Packed pack(const ExecSpec& spec, uint64_t max = 64ull << 20) {
        auto image = build_exec_image(spec, max, "the test's limit");
        Packed p;
        EXPECT_TRUE(image) << image.error().message;
        if (!image) return p;
        // The archive is in a memfd from offset 0.
        p.archive.resize(image->size);
        EXPECT_EQ(::pread(image->archive.get(), p.archive.data(), p.archive.size(), 0),
                  static_cast<ssize_t>(image->size));
        struct stat st {};
        EXPECT_EQ(::fstat(image->archive.get(), &st), 0);
        EXPECT_EQ(static_cast<uint64_t>(st.st_size), image->size);
        auto entries = parse_cpio(p.archive);
        EXPECT_TRUE(entries) << entries.error().message;
        if (entries) {
            for (auto& e : *entries) p.entries[e.name] = e;
        }
        init_ = image->init;
        return p;
    }
    std::string refused(const ExecSpec& spec, uint64_t max = 64ull << 20) {
        auto image = build_exec_image(spec, max, "the test's limit");
        EXPECT_FALSE(image);
        return image ? std::string() : image.error().message;
    }
    void write(const std::string& rel, const std::string& text, mode_t mode = 0644) {
        std::ofstream(dir_ + "/" + rel) << text;
        ASSERT_EQ(::chmod((dir_ + "/" + rel).c_str(), mode), 0);
    }
    void mkdir(const std::string& rel, mode_t mode = 0755) {
        ASSERT_EQ(::mkdir((dir_ + "/" + rel).c_str(), mode), 0);
    }

    std::string dir_;
    std::string init_;
};

TEST_F(ExecImageTest, TheProgramAloneIsInitInBin) {
    ExecSpec spec;
    spec.program = "/bin/busybox";
    Packed p = pack(spec);
    EXPECT_EQ(init_, "/bin/busybox");
    ASSERT_TRUE(p.entries.count("bin/busybox"));
    const CpioEntry& e = p.entries["bin/busybox"];
    EXPECT_EQ(e.mode, 0100755u);
    EXPECT_EQ(e.uid, 0u);
    EXPECT_EQ(e.gid, 0u);
    struct stat st {};
    ASSERT_EQ(::stat("/bin/busybox", &st), 0);
    EXPECT_EQ(e.data.size(), static_cast<size_t>(st.st_size));
    for (const char* d : {"bin", "dev", "proc", "tmp"}) {
        ASSERT_TRUE(p.entries.count(d)) << d;
        EXPECT_EQ(p.entries[d].type, CpioType::directory);
    }
    EXPECT_EQ(p.entries["tmp"].permissions(), 01777u);
    EXPECT_EQ(p.entries.size(), 5u);
}

TEST_F(ExecImageTest, BusyboxBringsItsAppletLinks) {
    write("prog", "");
    ASSERT_EQ(std::system(("cp /bin/busybox '" + dir_ + "/ls'").c_str()), 0);
    ExecSpec spec;
    spec.program = dir_ + "/ls";  // a program named like an applet replaces the applet's link
    spec.with_busybox = true;
    Packed p = pack(spec);
    ASSERT_TRUE(p.entries.count("bin/sh"));
    EXPECT_EQ(p.entries["bin/sh"].type, CpioType::symlink);
    EXPECT_EQ(std::string(p.entries["bin/sh"].data.begin(), p.entries["bin/sh"].data.end()),
              "busybox");
    EXPECT_EQ(p.entries["bin/busybox"].type, CpioType::regular);
    EXPECT_EQ(p.entries["bin/ls"].type, CpioType::regular);
    EXPECT_GT(p.entries.size(), 100u);
}

TEST_F(ExecImageTest, TheOverlayTreeKeepsFilesDirectoriesSymlinksAndModes) {
    mkdir("root");
    mkdir("root/etc", 0700);
    write("root/etc/motd", "welcome\n", 0640);
    write("root/run.sh", "#!/bin/sh\necho hi\n", 04755);
    ASSERT_EQ(::symlink("etc/motd", (dir_ + "/root/motd").c_str()), 0);
    mkdir("root/bin");
    write("root/bin/tool", "x", 0700);
    ExecSpec spec;
    spec.program = "/bin/busybox";
    spec.overlay = dir_ + "/root";
    Packed p = pack(spec);
    EXPECT_EQ(p.entries["etc"].permissions(), 0700u);
    EXPECT_EQ(p.entries["etc/motd"].permissions(), 0640u);
    EXPECT_EQ(std::string(p.entries["etc/motd"].data.begin(), p.entries["etc/motd"].data.end()),
              "welcome\n");
    EXPECT_EQ(p.entries["run.sh"].permissions(), 0755u);  // no set-id bits
    EXPECT_EQ(p.entries["motd"].type, CpioType::symlink);
    EXPECT_EQ(p.entries["bin/tool"].permissions(), 0700u);
    EXPECT_EQ(p.entries["bin/busybox"].type, CpioType::regular);
}

TEST_F(ExecImageTest, RefusesDevicesFifosAndSocketsInTheOverlayByName) {
    mkdir("root");
    ASSERT_EQ(::mkfifo((dir_ + "/root/pipe").c_str(), 0644), 0);
    ExecSpec spec;
    spec.program = "/bin/busybox";
    spec.overlay = dir_ + "/root";
    EXPECT_THAT(refused(spec), HasSubstr("root/pipe' is a FIFO: only regular files, directories "
                                         "and symlinks are packed"));
    ASSERT_EQ(::unlink((dir_ + "/root/pipe").c_str()), 0);
    if (::mknod((dir_ + "/root/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        EXPECT_THAT(refused(spec), HasSubstr("root/null' is a character device"));
    }
}

TEST_F(ExecImageTest, RefusesAnOverlayThatIsNotADirectoryOrReplacesADirectory) {
    write("file", "x");
    ExecSpec spec;
    spec.program = "/bin/busybox";
    spec.overlay = dir_ + "/file";
    EXPECT_THAT(refused(spec), HasSubstr("must be a directory"));
    spec.overlay = dir_ + "/missing";
    EXPECT_THAT(refused(spec), HasSubstr("missing"));
    mkdir("root");
    write("root/bin", "not a directory");
    spec.overlay = dir_ + "/root";
    EXPECT_THAT(refused(spec), HasSubstr("would replace the directory /bin"));
    ASSERT_EQ(::unlink((dir_ + "/root/bin").c_str()), 0);
    mkdir("root/bin");
    mkdir("root/bin/busybox");
    EXPECT_THAT(refused(spec), HasSubstr("would replace the directory /bin/busybox"));
}

TEST_F(ExecImageTest, RefusesMoreThanTheLimit) {
    mkdir("root");
    write("root/big", std::string(1 << 20, 'b'));
    ExecSpec spec;
    spec.program = "/bin/busybox";
    spec.overlay = dir_ + "/root";
    EXPECT_THAT(refused(spec, 1 << 20), HasSubstr("the test's limit"));
    spec.overlay.clear();
    EXPECT_THAT(refused(spec, 4096), HasSubstr("the test's limit"));
}

TEST_F(ExecImageTest, RefusesDynamicAndNonElfProgramsAndMissingOnes) {
    ExecSpec spec;
    spec.program = "/bin/ls";
    EXPECT_THAT(refused(spec), HasSubstr("'/bin/ls' is dynamically linked (interpreter "));
    write("script", "#!/bin/sh\necho hi\n", 0755);
    spec.program = dir_ + "/script";
    EXPECT_THAT(refused(spec), HasSubstr("is a script"));
    spec.program = dir_ + "/none";
    EXPECT_THAT(refused(spec), HasSubstr(dir_ + "/none"));
    spec.program = dir_;
    EXPECT_THAT(refused(spec), HasSubstr("is a directory"));
    spec.program = "/bin/busybox";
    spec.with_busybox = true;
    spec.busybox = "/bin/ls";
    EXPECT_THAT(refused(spec), HasSubstr("--with-busybox: '/bin/ls' is dynamically linked"));
}

TEST_F(ExecImageTest, TheMemfdLoadsIntoGuestMemoryAndItsSizeIsChecked) {
    ExecSpec spec;
    spec.program = "/bin/busybox";
    auto image = build_exec_image(spec, 64ull << 20, "limit");
    ASSERT_TRUE(image) << image.error().message;
    const uint64_t size = image->size;
    auto mem = GuestMemory::create(16ull << 20);
    ASSERT_TRUE(mem);
    auto file = InitramfsFile::from_fd(std::move(image->archive), size, "--exec busybox",
                                       8ull << 20, "half of 16 MiB");
    ASSERT_TRUE(file) << file.error().message;
    auto placed = file->load(*mem, 1 << 20, 2 << 20);
    ASSERT_TRUE(placed) << placed.error().message;
    EXPECT_EQ(placed->size, size);
    auto bytes = mem->span(placed->gpa, placed->size);
    ASSERT_TRUE(bytes);
    EXPECT_TRUE(parse_cpio(*bytes));

    auto again = build_exec_image(spec, 64ull << 20, "limit");
    ASSERT_TRUE(again);
    auto big = InitramfsFile::from_fd(std::move(again->archive), again->size, "--exec busybox",
                                      1024, "a tiny limit");
    ASSERT_FALSE(big);
    EXPECT_THAT(big.error().message, HasSubstr("larger than 1024 bytes (a tiny limit)"));
    EXPECT_FALSE(InitramfsFile::from_fd(Fd(), 0, "x", 1024, "l"));
}

}  // namespace
}  // namespace domus

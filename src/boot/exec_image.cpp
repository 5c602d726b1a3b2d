#include "boot/exec_image.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "base/fd.hpp"
#include "boot/cpio.hpp"
#include "boot/cpio_writer.hpp"
#include "boot/file_read.hpp"
#include "boot/program_elf.hpp"

extern char** environ;

namespace domus {

namespace {

constexpr size_t kMaxBusyboxList = 64 * 1024;

enum class Kind { directory, file, symlink };

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::directory:
            return "directory";
        case Kind::file:
            return "file";
        case Kind::symlink:
            return "symlink";
    }
    return "entry";
}

struct Node {
    Kind kind = Kind::directory;
    uint32_t permissions = 0755;
    std::vector<uint8_t> data;  // a small file's contents
    std::string target;         // a symlink's target
    std::string source;         // where it comes from, for messages
    std::shared_ptr<Fd> fd;     // a larger file: copied from here (sendfile) when written
    uint64_t size = 0;          // a file's size (data.size() when data holds it)
};

// Files at least this large stay open until the archive is written (at most kMaxHeldFiles of
// them) and go file to file in the kernel; smaller ones are read into memory.
constexpr uint64_t kHeldFileBytes = 16 * 1024;
constexpr size_t kMaxHeldFiles = 256;

Node small_file(uint32_t permissions, std::vector<uint8_t> data, std::string source) {
    Node n{Kind::file, permissions, std::move(data), {}, std::move(source), nullptr, 0};
    n.size = n.data.size();
    return n;
}

Node held_file(uint32_t permissions, Fd fd, uint64_t size, std::string source) {
    return Node{Kind::file, permissions,       {},
                {},         std::move(source), std::make_shared<Fd>(std::move(fd)),
                size};
}

Error fail(const std::string& message) {
    return make_error(Errc::invalid_argument, message);
}

std::string base_name(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The tree to pack: image path (normalised, no leading "/") -> node; parents before children
// in the map's order, since a path sorts before every longer path it prefixes.
class Tree {
  public:
    Tree(uint64_t max_bytes, std::string limit) : max_bytes_(max_bytes), limit_(std::move(limit)) {}

    Status put(const std::string& path, Node node) {
        // Parents: made as 0755 directories when missing; what exists must be a directory.
        for (size_t slash = path.find('/'); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            const std::string parent = path.substr(0, slash);
            auto it = nodes_.find(parent);
            if (it == nodes_.end()) {
                nodes_.emplace(parent,
                               Node{Kind::directory, 0755, {}, {}, node.source, nullptr, 0});
            } else if (it->second.kind != Kind::directory) {
                return fail(node.source + " cannot be packed at /" + path + ": /" + parent +
                            " is a " + kind_name(it->second.kind) + " (from " + it->second.source +
                            ")");
            }
        }
        auto it = nodes_.find(path);
        if (it != nodes_.end()) {
            Node& old = it->second;
            if ((old.kind == Kind::directory) != (node.kind == Kind::directory)) {
                return fail(node.source + " (a " + kind_name(node.kind) + ") would replace the " +
                            kind_name(old.kind) + " /" + path + " from " + old.source);
            }
            bytes_ -= old.size;
            old = std::move(node);
        } else {
            if (nodes_.size() >= kExecMaxOverlayEntries * 2) {
                return fail(node.source + ": more than " +
                            std::to_string(kExecMaxOverlayEntries * 2) + " entries to pack");
            }
            it = nodes_.emplace(path, std::move(node)).first;
        }
        bytes_ += it->second.size;
        if (bytes_ > max_bytes_) {
            return fail(it->second.source + ": the files to pack take more than " +
                        std::to_string(max_bytes_) + " bytes (" + limit_ + ")");
        }
        return {};
    }

    uint64_t remaining() const { return bytes_ >= max_bytes_ ? 0 : max_bytes_ - bytes_; }

    // The archive into `out` (a fresh memfd).
    Status write(int out) const {
        CpioWriter w = CpioWriter::to_fd(out, max_bytes_);
        for (const auto& [path, n] : nodes_) {
            Status st;
            switch (n.kind) {
                case Kind::directory:
                    st = w.add_directory(path, n.permissions);
                    break;
                case Kind::file:
                    st = n.fd ? w.add_file_from_fd(path, n.permissions, n.fd->get(), n.size)
                              : w.add_file(path, n.permissions, n.data);
                    break;
                case Kind::symlink:
                    st = w.add_symlink(path, n.target);
                    break;
            }
            if (!st) {
                return fail(n.source + ": " + st.error().message +
                            (st.error().message.find("larger than") != std::string::npos
                                 ? " (" + limit_ + ")"
                                 : ""));
            }
        }
        if (auto end = w.finish(); !end) return end.error();
        return {};
    }

  private:
    std::map<std::string, Node> nodes_;
    uint64_t bytes_ = 0;
    uint64_t max_bytes_;
    std::string limit_;
};

struct OpenProgram {
    Fd fd;
    uint64_t size = 0;
};

// A static program from the host: opened (at most `max_bytes`) and inspected through a
// read-only mapping (only the pages the check reads are touched).
Result<OpenProgram> open_program(const std::string& path, uint64_t max_bytes,
                                 const std::string& limit) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        const int err = errno;
        return make_error(err == ENOENT ? Errc::not_found : Errc::io,
                          "cannot open '" + path + "': " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return make_error(Errc::io, "cannot stat '" + path + "': " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail("'" + path + "' is " +
                    (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") +
                    ", not a program");
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > max_bytes) {
        return fail("'" + path + "' of " + std::to_string(size) + " bytes is larger than the " +
                    "room left in the initramfs (" + limit + ")");
    }
    if (size == 0) {
        if (auto info = inspect_program({}, path); !info) return info.error();
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map == MAP_FAILED) {
        return make_error(Errc::io, "cannot map '" + path + "': " + std::strerror(errno));
    }
    auto info = inspect_program({static_cast<const uint8_t*>(map), size}, path);
    ::munmap(map, size);
    if (!info) return info.error();
    return OpenProgram{std::move(fd), size};
}

// `busybox --list`, run on the host (a static busybox runs anywhere).
Result<std::string> busybox_list(const std::string& busybox) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
    Fd read_end(fds[0]);
    Fd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const char* argv[] = {busybox.c_str(), "--list", nullptr};
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, busybox.c_str(), &actions, nullptr,
                                 const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    write_end = Fd();
    if (rc != 0) return fail("cannot run '" + busybox + " --list': " + std::strerror(rc));
    std::string out;
    bool too_long = false;
    for (;;) {
        char buf[4096];
        const ssize_t got = ::read(read_end.get(), buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        out.append(buf, static_cast<size_t>(got));
        if (out.size() > kMaxBusyboxList) {
            too_long = true;
            ::kill(pid, SIGKILL);
            break;
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (too_long) {
        return fail("'" + busybox + " --list' printed more than " +
                    std::to_string(kMaxBusyboxList) + " bytes");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return fail("'" + busybox + " --list' failed (is it Debian's busybox-static?)");
    }
    return out;
}

Status add_busybox(const ExecSpec& spec, Tree& tree, uint64_t max_bytes, const std::string& limit) {
    auto program = open_program(spec.busybox, max_bytes, limit);
    if (!program) {
        return make_error(program.error().code,
                          "--with-busybox: " + program.error().message +
                              " (install busybox-static for a static /bin/busybox)");
    }
    auto list = busybox_list(spec.busybox);
    if (!list) return list.error();
    auto applets = parse_busybox_applets(*list);
    if (!applets) return applets.error();
    const std::string source = "busybox '" + spec.busybox + "'";
    if (auto st =
            tree.put("bin/busybox", held_file(0755, std::move(program->fd), program->size, source));
        !st) {
        return st;
    }
    for (const std::string& applet : *applets) {
        if (auto st = tree.put("bin/" + applet,
                               Node{Kind::symlink, 0777, {}, "busybox", source, nullptr, 0});
            !st) {
            return st;
        }
    }
    return {};
}

class OverlayWalk {
  public:
    OverlayWalk(Tree& tree, std::string limit) : tree_(tree), limit_(std::move(limit)) {}

    Status run(const std::string& dir) {
        Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd.valid()) {
            return fail("--overlay '" + dir + "': " + std::strerror(errno) +
                        (errno == ENOTDIR ? " (it must be a directory)" : ""));
        }
        return walk(std::move(fd), dir, "", 0);
    }

  private:
    Status walk(Fd dir_fd, const std::string& host, const std::string& image, size_t depth) {
        if (depth > kExecMaxOverlayDepth) {
            return fail("--overlay: '" + host + "' is nested deeper than " +
                        std::to_string(kExecMaxOverlayDepth) + " directories");
        }
        const int fd = dir_fd.get();
        DIR* d = ::fdopendir(dir_fd.release());
        if (d == nullptr) {
            const int err = errno;
            ::close(fd);
            return fail("--overlay: cannot read '" + host + "': " + std::strerror(err));
        }
        std::vector<std::string> names;
        errno = 0;
        while (dirent* e = ::readdir(d)) {
            const std::string_view n = e->d_name;
            if (n == "." || n == "..") continue;
            if (++entries_ > kExecMaxOverlayEntries) {
                ::closedir(d);
                return fail("--overlay: more than " + std::to_string(kExecMaxOverlayEntries) +
                            " entries");
            }
            names.emplace_back(n);
        }
        std::sort(names.begin(), names.end());
        Status st;
        for (const std::string& name : names) {
            st = entry(fd, host + "/" + name, image.empty() ? name : image + "/" + name, name,
                       depth);
            if (!st) break;
        }
        ::closedir(d);
        return st;
    }

    Status entry(int dir_fd, const std::string& host, const std::string& image,
                 const std::string& name, size_t depth) {
        struct stat st {};
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return fail("--overlay: cannot stat '" + host + "': " + std::strerror(errno));
        }
        const std::string source = "--overlay '" + host + "'";
        const uint32_t perms = st.st_mode & 0777;
        if (S_ISDIR(st.st_mode)) {
            if (auto s = tree_.put(image, Node{Kind::directory, perms, {}, {}, source, nullptr, 0});
                !s) {
                return s;
            }
            Fd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub.valid()) {
                return fail("--overlay: cannot open '" + host + "': " + std::strerror(errno));
            }
            return walk(std::move(sub), host, image, depth + 1);
        }
        if (S_ISLNK(st.st_mode)) {
            std::string target(kCpioMaxSymlinkBytes + 1, '\0');
            const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
            if (n < 0) {
                return fail("--overlay: cannot read the symlink '" + host +
                            "': " + std::strerror(errno));
            }
            if (static_cast<size_t>(n) > kCpioMaxSymlinkBytes) {
                return fail(source + ": the symlink target is longer than " +
                            std::to_string(kCpioMaxSymlinkBytes) + " bytes");
            }
            target.resize(static_cast<size_t>(n));
            return tree_.put(image,
                             Node{Kind::symlink, 0777, {}, std::move(target), source, nullptr, 0});
        }
        if (!S_ISREG(st.st_mode)) {
            const char* what = S_ISCHR(st.st_mode)    ? "a character device"
                               : S_ISBLK(st.st_mode)  ? "a block device"
                               : S_ISFIFO(st.st_mode) ? "a FIFO"
                               : S_ISSOCK(st.st_mode) ? "a socket"
                                                      : "of an unknown file type";
            return fail(source + " is " + what +
                        ": only regular files, directories and symlinks are packed");
        }
        if (static_cast<uint64_t>(st.st_size) > tree_.remaining()) {
            return fail(source + ": the files to pack take more than the limit (" + limit_ + ")");
        }
        Fd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!file.valid()) {
            return fail("--overlay: cannot open '" + host + "': " + std::strerror(errno));
        }
        struct stat again {};
        if (::fstat(file.get(), &again) != 0 || !S_ISREG(again.st_mode) ||
            again.st_size != st.st_size) {
            return fail(source + " changed while it was packed");
        }
        if (static_cast<uint64_t>(st.st_size) >= kHeldFileBytes && held_ < kMaxHeldFiles) {
            ++held_;
            return tree_.put(image, held_file(perms, std::move(file),
                                              static_cast<uint64_t>(st.st_size), source));
        }
        const auto size = static_cast<uint64_t>(st.st_size);
        auto data = read_fd(file.get(), host, size, size);
        if (!data) {
            if (data.error().code == Errc::io) return fail("--overlay: " + data.error().message);
            return fail(source + " grew while it was packed");
        }
        if (data->size() != size) return fail(source + " shrank while it was packed");
        return tree_.put(image, small_file(perms, std::move(*data), source));
    }

    Tree& tree_;
    std::string limit_;
    size_t entries_ = 0;
    size_t held_ = 0;  // files kept open
};

}  // namespace

Result<ExecImage> build_exec_image(const ExecSpec& spec, uint64_t max_bytes,
                                   std::string_view limit_name) {
    const std::string limit = std::to_string(max_bytes) + " bytes, " + std::string(limit_name);
    if (spec.program.empty()) return fail("--exec needs a program");
    const std::string name = base_name(spec.program);
    if (name.empty() || name == "." || name == ".." || name == "/") {
        return fail("--exec '" + spec.program + "' does not name a file");
    }
    Tree tree(max_bytes, limit);
    const std::string made = "the image's skeleton";
    for (const char* dir : {"dev", "proc", "bin", "tmp"}) {
        const uint32_t mode = std::string_view(dir) == "tmp" ? 01777 : 0755;
        if (auto st = tree.put(dir, Node{Kind::directory, mode, {}, {}, made, nullptr, 0}); !st) {
            return st.error();
        }
    }
    if (spec.with_busybox) {
        if (auto st = add_busybox(spec, tree, max_bytes, limit); !st) return st.error();
    }
    if (!spec.overlay.empty()) {
        if (auto st = OverlayWalk(tree, limit).run(spec.overlay); !st) return st.error();
    }
    auto program = open_program(spec.program, tree.remaining(), limit);
    if (!program) return program.error();
    const std::string init = "bin/" + name;
    if (auto st = tree.put(init, held_file(0755, std::move(program->fd), program->size,
                                           "--exec '" + spec.program + "'"));
        !st) {
        return st.error();
    }
    Fd memfd(::memfd_create("domus-exec-initramfs", MFD_CLOEXEC));
    if (!memfd.valid()) {
        return make_error(Errc::io, std::string("memfd_create: ") + std::strerror(errno));
    }
    if (auto st = tree.write(memfd.get()); !st) return st.error();
    struct stat st {};
    if (::fstat(memfd.get(), &st) != 0) {
        return make_error(Errc::io, std::string("fstat (memfd): ") + std::strerror(errno));
    }
    return ExecImage{std::move(memfd), static_cast<uint64_t>(st.st_size), "/" + init};
}

}  // namespace domus

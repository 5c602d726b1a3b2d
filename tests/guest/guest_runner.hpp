// Runs a program in a real domain (`domus run` with an initramfs) and the same program on the
// host, and compares what they print: the guest tests' helpers.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace domus::test::guest {

// Where build_images.sh put the programs and the initramfs images (the build tree).
std::string images_dir();
std::string image_path(const std::string& name);     // images_dir()/name
std::string program_path(const std::string& name);   // images_dir()/bin/name (host copy)
std::string root_path(const std::string& relative);  // images_dir()/root/relative
// Empty when the images are there, else what is missing and how to make it.
std::string images_problem();

struct GuestOptions {
    std::string ramdisk;  // default: guest.cpio.gz
    int vcpus = 1;
    int memory_mib = 128;
    std::string cmdline;
    double timeout_s = 60;
    std::vector<std::string> disks;  // --disk values: vda, vdb, ...
    std::vector<std::string> nics;   // --net values: eth0, eth1, ...
};

struct GuestResult {
    int exit_code = -1;
    bool timed_out = false;
    double seconds = 0;
    std::string console;                    // standard output of `domus run`, '\r' removed
    std::string err;                        // its standard error
    std::vector<std::string> lines;         // the programs' lines: kernel lines removed
    std::vector<std::string> kernel_lines;  // "guest: ..." and "vcpu N online"
    std::string kernel_text() const;
};

GuestResult run_guest(const GuestOptions& opts);
// `domus` with exactly these arguments (e.g. run --exec ...), its console split like run_guest's.
GuestResult run_guest_args(const std::vector<std::string>& args, double timeout_s = 60);

inline GuestOptions boot(std::string cmdline, int vcpus = 1, int memory_mib = 128,
                         double timeout_s = 60, std::string ramdisk = {}) {
    GuestOptions o;
    o.cmdline = std::move(cmdline);
    o.vcpus = vcpus;
    o.memory_mib = memory_mib;
    o.timeout_s = timeout_s;
    o.ramdisk = std::move(ramdisk);
    return o;
}

struct HostResult {
    int exit_code = -1;  // exit status, or 128 + signal
    bool timed_out = false;
    double seconds = 0;
    std::string out;  // standard output and standard error, as one stream
    std::vector<std::string> lines;
};

// Runs `path` on the host with exactly `argv` (argv[0] included) and `env`, in `cwd` (when
// not empty), standard input /dev/null, standard error into the same pipe as standard
// output, and RLIMIT_CORE 0 (what Linux gives init and so every process of a domain).
HostResult run_host(const std::string& path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const std::string& cwd = "",
                    double timeout_s = 60);

// A fresh directory under /tmp, removed with everything in it at the end of the scope.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// A whole file's bytes, written or read (binary; "" when unreadable).
void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

std::vector<std::string> split_lines(const std::string& text);
std::string join_lines(const std::vector<std::string>& lines);

// A readable line diff ("  same", "- only in a", "+ only in b"), empty when equal.
std::string line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
                      const std::string& a_name, const std::string& b_name);

// "name: value" lines into a map (the first ": " splits); other lines are ignored.
std::map<std::string, std::string> parse_outcomes(const std::vector<std::string>& lines);

// The lines without those for which drop(line) is true.
template <typename Pred>
std::vector<std::string> without(std::vector<std::string> lines, Pred drop) {
    std::vector<std::string> out;
    for (auto& l : lines) {
        if (!drop(l)) out.push_back(std::move(l));
    }
    return out;
}

}  // namespace domus::test::guest

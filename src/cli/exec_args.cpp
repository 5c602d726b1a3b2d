#include "cli/exec_args.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace domus::cli {

namespace {

// `run`'s and the global options that take a separate value.
bool takes_value(std::string_view arg) {
    static constexpr std::array<std::string_view, 10> kValued = {
        "--kernel", "--disk",    "--net",     "--ramdisk", "--memory",
        "--vcpus",  "--cmdline", "--console", "--overlay", "--socket"};
    return std::find(kValued.begin(), kValued.end(), arg) != kValued.end();
}

}  // namespace

ExecSplit split_exec_args(const std::vector<std::string>& args) {
    ExecSplit out{args, {}};
    size_t i = 1;
    // The verb: the first word that is neither an option nor a global option's value.
    for (; i < args.size(); ++i) {
        if (args[i] == "--socket") {
            ++i;
            continue;
        }
        if (!args[i].starts_with("-")) break;
    }
    if (i >= args.size() || args[i] != "run") return out;
    for (size_t j = i + 1; j < args.size(); ++j) {
        const std::string& a = args[j];
        if (a == "--") return out;
        if (takes_value(a)) {
            ++j;
            continue;
        }
        size_t program_end = 0;
        if (a == "--exec") {
            program_end = j + 2;
        } else if (a.starts_with("--exec=")) {
            program_end = j + 1;
        } else {
            continue;
        }
        if (program_end > args.size()) return out;  // the parser reports the missing value
        out.options.assign(args.begin(), args.begin() + static_cast<long>(program_end));
        out.program_args.assign(args.begin() + static_cast<long>(program_end), args.end());
        return out;
    }
    return out;
}

Result<std::string> find_program(const std::string& program, const char* path_env) {
    if (program.empty()) return make_error(Errc::invalid_argument, "--exec needs a program");
    if (program.find('/') != std::string::npos) return program;
    const std::string_view path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string_view::npos) end = path.size();
        // Built with += : GCC 12's false -Wrestrict (PR 105329) on assignments and "+".
        std::string candidate(end == start ? std::string_view(".")
                                           : path.substr(start, end - start));
        start = end + 1;
        candidate += '/';
        candidate += program;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    std::string message = "--exec '";
    message += program;
    message += "': no such program in $PATH (give a path, e.g. ./";
    message += program;
    message += ")";
    return make_error(Errc::not_found, std::move(message));
}

}  // namespace domus::cli

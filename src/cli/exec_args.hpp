// `domus run [OPTIONS] --exec PROGRAM [ARGS...]`: everything after PROGRAM is the program's,
// options included (`--exec busybox sh -c 'echo hi'`), so it is split off before the option
// parser sees it; and PROGRAM without a slash is looked up in $PATH, like a shell does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace domus::cli {

struct ExecSplit {
    std::vector<std::string> options;       // argv up to and including --exec PROGRAM
    std::vector<std::string> program_args;  // what follows PROGRAM
};

// Pure: `args` (argv[0] included) split at the program of `run --exec`; unchanged (no program
// arguments) for another verb, or without --exec before a "--".
ExecSplit split_exec_args(const std::vector<std::string>& args);

// PROGRAM as given when it holds a slash; else the first executable regular file PATH_DIR/PROGRAM
// over the directories of `path_env` (":"-separated; empty entries mean "."); not found: an
// error naming PROGRAM.
Result<std::string> find_program(const std::string& program, const char* path_env);

}  // namespace domus::cli

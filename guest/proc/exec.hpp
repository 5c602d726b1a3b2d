// execve: replaces the calling process's program with a static ELF (or a #! script's
// interpreter), building the System V initial stack (argv, envp, auxv).
#pragma once

#include <stddef.h>
#include <stdint.h>

struct Task;
namespace fs {
struct File;
}

namespace proc {

// Arguments and environment, copied into the kernel before the old program is discarded.
struct ExecArgs {
    char* buffer;  // strings, NUL-terminated, argv then envp
    size_t used;
    size_t capacity;
    uint32_t argc, envc;
};

inline constexpr size_t kExecArgsMax = 256 * 1024;  // E2BIG beyond (Linux allows more)

int exec_args_init(ExecArgs* args);
void exec_args_free(ExecArgs* args);
int exec_args_push(ExecArgs* args, const char* string, bool env);  // 0 or -E2BIG/-ENOMEM
// Inserts strings before argv[0] (for #! interpreters): each of `count` strings at index i.
int exec_args_prepend(ExecArgs* args, const char* const* strings, uint32_t count);

// Runs `path` (resolved from the process's cwd) in the calling task's process. On success the
// task's frame is set for the new program and 0 returned; on failure nothing changed (-errno).
int exec(Task* task, const char* path, ExecArgs* args);

// The ELF part of exec, for an opened program whose first `head_len` bytes are in `head`.
int exec_program(Task* task, const char* path, fs::File* file, const uint8_t* head, size_t head_len,
                 ExecArgs* args);

}  // namespace proc

#include "proc/exec.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "arch/layout.h"
#include "arch/user.hpp"
#include "fs/file.hpp"
#include "fs/vfs.hpp"
#include "kernel/console.hpp"
#include "kernel/random.hpp"
#include "kernel/string.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "proc/elf.hpp"
#include "proc/exec_stack.hpp"
#include "proc/fs_glue.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"

namespace proc {

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kMaxInterpreters = 4;

uint64_t page_down(uint64_t v) {
    return v & ~(kPage - 1);
}
uint64_t page_up(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
}

// Maps one PT_LOAD: its file pages, then anonymous pages for the rest of the bss.
int map_segment(mm::AddressSpace* as, fs::Inode* inode, const elf::Segment& s) {
    const uint64_t start = page_down(s.vaddr);
    const uint64_t file_end = s.vaddr + s.filesz;
    const uint64_t mem_end = page_up(s.vaddr + s.memsz);
    const uint64_t file_pages_end = s.filesz ? page_up(file_end) : start;
    if (file_pages_end > start) {
        const int64_t r = mm::map(as, start, file_pages_end - start, s.prot, 0, true, inode,
                                  &kInodeBacking, s.offset - (s.vaddr - start), file_end - start);
        if (r < 0) return int(r);
    }
    if (mem_end > file_pages_end) {
        const int64_t r = mm::map(as, file_pages_end, mem_end - file_pages_end, s.prot, 0, true,
                                  nullptr, nullptr, 0, 0);
        if (r < 0) return int(r);
    }
    return 0;
}

// "#!interpreter [arg]" in the first line: fills interp/arg (kernel buffers). 1 if a script.
int parse_shebang(const char* head, size_t length, char* interp, char* arg) {
    if (length < 2 || head[0] != '#' || head[1] != '!') return 0;
    size_t i = 2, end = 2;
    while (end < length && head[end] != '\n') ++end;
    if (end == length) return -linux_errno::ENOEXEC;  // no newline within the first bytes
    while (i < end && (head[i] == ' ' || head[i] == '\t')) ++i;
    size_t n = 0;
    while (i < end && head[i] != ' ' && head[i] != '\t' && n < 255) interp[n++] = head[i++];
    interp[n] = '\0';
    if (n == 0) return -linux_errno::ENOEXEC;
    while (i < end && (head[i] == ' ' || head[i] == '\t')) ++i;
    size_t a = 0;
    while (end > i && (head[end - 1] == ' ' || head[end - 1] == '\t' || head[end - 1] == '\r'))
        --end;
    while (i < end && a < 255) arg[a++] = head[i++];
    arg[a] = '\0';
    return 1;
}

// /proc/<pid>/exe: the program's canonical path (symlinks resolved, as Linux shows it).
void set_exe_path(Process* p, const char* path) {
    char* work = static_cast<char*>(kmalloc(2 * linux_abi::kPathMax));
    if (!work) return;
    char* cur = work;                        // the path being resolved
    char* tmp = work + linux_abi::kPathMax;  // scratch
    size_t len = kstrnlen(path, linux_abi::kPathMax - 1);
    memcpy(cur, path, len);
    cur[len] = '\0';
    for (int hops = 0; hops < 40; ++hops) {  // follow a final symlink
        const int64_t n = fs::vfs_readlink(p->cwd, cur, tmp, linux_abi::kPathMax - 1);
        if (n <= 0) break;
        tmp[n] = '\0';
        if (tmp[0] == '/') {
            memcpy(cur, tmp, size_t(n) + 1);
            continue;
        }
        size_t dir = kstrnlen(cur, linux_abi::kPathMax);
        while (dir > 0 && cur[dir - 1] != '/') --dir;  // keep "dir/"
        if (dir + size_t(n) + 1 > linux_abi::kPathMax) break;
        memcpy(cur + dir, tmp, size_t(n) + 1);
    }
    // The directory part, canonical: its inode's absolute path.
    len = kstrnlen(cur, linux_abi::kPathMax);
    size_t slash = len;
    while (slash > 0 && cur[slash - 1] != '/') --slash;
    const char* base = cur + slash;
    fs::Inode* dir = nullptr;
    int64_t dlen = -1;
    if (slash == 0) {
        dlen = fs::vfs_getcwd(p->cwd, tmp, linux_abi::kPathMax);
    } else {
        const char saved = cur[slash];
        cur[slash] = '\0';
        if (fs::vfs_lookup(p->cwd, cur, 0, true, &dir) == 0) {
            dlen = fs::vfs_getcwd(dir, tmp, linux_abi::kPathMax);
            fs::inode_put(dir);
        }
        cur[slash] = saved;
    }
    size_t at = 0;
    if (dlen > 1) {  // tmp holds "/a/b" and its NUL
        at = size_t(dlen) - 1;
        if (at >= sizeof(p->exe_path) - 1) at = sizeof(p->exe_path) - 2;
        memcpy(p->exe_path, tmp, at);
    }
    p->exe_path[at++] = '/';
    const size_t blen = kstrnlen(base, sizeof(p->exe_path) - 1 - at);
    memcpy(p->exe_path + at, base, blen);
    p->exe_path[at + blen] = '\0';
    kfree(work);
}

void set_identity(Process* p, const char* path, const ExecArgs* args) {
    set_exe_path(p, path);
    const char* base = path;
    for (const char* c = path; *c; ++c) {
        if (*c == '/' && c[1]) base = c + 1;
    }
    size_t n = 0;
    while (base[n] && n < sizeof(p->comm) - 1) {
        p->comm[n] = base[n];
        ++n;
    }
    p->comm[n] = '\0';
    size_t argv_bytes = 0;
    for (uint32_t i = 0; i < args->argc; ++i) {
        argv_bytes += kstrnlen(args->buffer + argv_bytes, args->used - argv_bytes) + 1;
    }
    p->cmdline_len = argv_bytes < kCmdlineMax ? argv_bytes : kCmdlineMax;
    memcpy(p->cmdline, args->buffer, p->cmdline_len);
}

// execve in a multithreaded process: every other thread ends first (Linux's de_thread), and
// the caller takes the process's id. false when another thread is already doing the same.
bool end_other_threads(Task* t) {
    Process* p = t->proc;
    LockGuard guard(lock());
    if (p->exec_waiter || p->exiting) return false;
    p->exec_waiter = t;
    for (Task* other = p->threads; other; other = other->thread_next) {
        if (other != t) sched::interrupt(other);
    }
    while (p->live_threads > 1) sched::wait(p->exec_wait, lock(), 0);
    p->exec_waiter = nullptr;
    t->tid = p->pid;
    return true;
}

}  // namespace

int exec_args_init(ExecArgs* args) {
    *args = ExecArgs{};
    args->capacity = kExecArgsMax;
    args->buffer = static_cast<char*>(kmalloc(args->capacity));
    return args->buffer ? 0 : -linux_errno::ENOMEM;
}

void exec_args_free(ExecArgs* args) {
    kfree(args->buffer);
    args->buffer = nullptr;
}

int exec_args_push(ExecArgs* args, const char* string, bool env) {
    const size_t n = kstrnlen(string, args->capacity) + 1;
    if (args->used + n > args->capacity) return -linux_errno::E2BIG;
    memcpy(args->buffer + args->used, string, n);
    args->used += n;
    if (env) {
        ++args->envc;
    } else {
        ++args->argc;
    }
    return 0;
}

int exec_args_prepend(ExecArgs* args, const char* const* strings, uint32_t count) {
    size_t total = 0;
    for (uint32_t i = 0; i < count; ++i) total += kstrnlen(strings[i], 4096) + 1;
    if (args->used + total > args->capacity) return -linux_errno::E2BIG;
    memmove(args->buffer + total, args->buffer, args->used);
    size_t at = 0;
    for (uint32_t i = 0; i < count; ++i) {
        const size_t n = kstrnlen(strings[i], 4096) + 1;
        memcpy(args->buffer + at, strings[i], n);
        at += n;
    }
    args->used += total;
    args->argc += count;
    return 0;
}

int exec(Task* t, const char* path, ExecArgs* args) {
    Process* p = t->proc;
    char current_path[linux_abi::kPathMax];
    size_t plen = kstrnlen(path, sizeof(current_path) - 1);
    memcpy(current_path, path, plen);
    current_path[plen] = '\0';

    for (int depth = 0;; ++depth) {
        fs::File* file = nullptr;
        int r = fs::vfs_open(p->cwd, current_path, linux_abi::oflag::RDONLY, 0, &file);
        if (r < 0) return r;
        fs::Inode* inode = file->inode;
        if (!fs::is_reg(inode) || (inode->mode & 0111) == 0) {
            fs::file_put(file);
            return -linux_errno::EACCES;
        }
        uint8_t head[256];
        const int64_t got = fs::file_pread(file, head, sizeof(head), 0);
        if (got < 0) {
            fs::file_put(file);
            return int(got);
        }
        char interp[256], arg[256];
        const int script =
            parse_shebang(reinterpret_cast<const char*>(head), size_t(got), interp, arg);
        if (script != 0) {
            fs::file_put(file);
            if (script < 0) return script;
            if (depth == kMaxInterpreters) return -linux_errno::ELOOP;
            // argv becomes: interpreter [arg] path argv[1..]
            const char* extra[3] = {interp, arg, current_path};
            const uint32_t count = arg[0] ? 3 : 2;
            if (!arg[0]) extra[1] = current_path;
            // Drop the old argv[0] (replaced by the script path).
            const size_t first = kstrnlen(args->buffer, args->used) + 1;
            if (args->argc > 0) {
                memmove(args->buffer, args->buffer + first, args->used - first);
                args->used -= first;
                --args->argc;
            }
            r = exec_args_prepend(args, extra, count);
            if (r < 0) return r;
            plen = kstrnlen(interp, sizeof(interp));
            memcpy(current_path, interp, plen + 1);
            continue;
        }
        r = exec_program(t, current_path, file, head, size_t(got), args);
        fs::file_put(file);
        if (r == 0) set_identity(p, current_path, args);
        return r;
    }
}

int exec_program(Task* t, const char* path, fs::File* file, const uint8_t* head, size_t head_len,
                 ExecArgs* args) {
    Process* p = t->proc;
    fs::Inode* inode = file->inode;
    elf::Program program;
    elf::Result res = elf::parse_header(head, head_len, inode->size, &program);
    if (res.error == 0) {
        uint8_t phdrs[elf::kMaxPhdrs * elf::kPhdrSize];
        const size_t bytes = program.phnum * elf::kPhdrSize;
        const int64_t got = fs::file_pread(file, phdrs, bytes, int64_t(program.phoff));
        if (got != int64_t(bytes)) {
            res = elf::Result{-linux_errno::ENOEXEC, "program headers unreadable"};
        } else {
            res = elf::parse_segments(phdrs, bytes, inode->size, mm::kUserMin, mm::kMmapTop,
                                      &program);
        }
    }
    if (res.error != 0) {
        kprintf("guest: exec %s: %s\n", path, res.problem);
        return res.error;
    }
    if (p->live_threads > 1 && !end_other_threads(t)) return -linux_errno::EAGAIN;

    mm::AddressSpace* as = mm::create();
    if (!as) return -linux_errno::ENOMEM;
    int r = 0;
    for (uint32_t i = 0; i < program.segment_count && r == 0; ++i) {
        r = map_segment(as, inode, program.segments[i]);
    }
    if (r == 0) {
        const int64_t s = mm::map(as, mm::kStackTop - mm::kStackMax, mm::kStackMax,
                                  mm::kProtRead | mm::kProtWrite, mm::kVmaGrowsDown, true, nullptr,
                                  nullptr, 0, 0);
        if (s < 0) r = int(s);
    }
    if (r < 0) {
        mm::put(as);
        return r;
    }
    as->brk_start = as->brk = page_up(program.end);

    // Point of no return: the old program is gone from here on.
    mm::AddressSpace* old = p->as;
    p->as = as;
    mm::activate(as);
    mm::put(old);

    uint64_t sp = 0;
    if (build_initial_stack(args, path, program, &sp) != 0) {
        exit_group(sig::SIGSEGV);  // cannot even write the stack: Linux kills too
    }
    TrapFrame* f = t->frame;
    memset(f, 0, sizeof(TrapFrame));
    f->rip = program.entry;
    f->rsp = sp;
    f->rflags = 0x202;
    t->fs_base = t->gs_base = 0;
    user::write_fs_base(0);
    user::write_gs_base(0);
    fpu_init_state(t);
    fpu_restore(t);
    t->full_restore = true;
    t->altstack_sp = t->altstack_size = 0;
    t->altstack_flags = 2;  // SS_DISABLE
    for (SigAction& a : p->actions) {
        if (a.handler != sig::SIG_IGN) a = SigAction{};
    }
    exec_close_on_exec(p);
    exec_set_exe(p, inode);
    return 0;
}

}  // namespace proc

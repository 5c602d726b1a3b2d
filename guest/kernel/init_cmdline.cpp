#include "kernel/init_cmdline.hpp"

#include "kernel/string.hpp"

namespace {

bool starts_with(const char* word, const char* prefix) {
    while (*prefix) {
        if (*word++ != *prefix++) return false;
    }
    return true;
}

bool has_equals(const char* word) {
    for (; *word; ++word) {
        if (*word == '=') return true;
    }
    return false;
}

// A module parameter: a dot in the name (before any '='), as Linux tells them from init's words.
bool module_parameter(const char* word) {
    for (; *word && *word != '='; ++word) {
        if (*word == '.') return true;
    }
    return false;
}

// Same variable name ("NAME=" prefix) in both words.
bool same_name(const char* a, const char* b) {
    size_t i = 0;
    while (a[i] && a[i] == b[i] && a[i] != '=') ++i;
    return a[i] == '=' && b[i] == '=';
}

}  // namespace

const char* parse_init_cmdline(const char* cmdline, char* storage, size_t storage_size,
                               InitCommand* out) {
    *out = InitCommand{};
    out->path = "/init";
    out->envp[out->envc++] = "HOME=/";
    out->envp[out->envc++] = "TERM=linux";
    const char* args[kInitMaxArgs];
    uint32_t nargs = 0;
    bool after_dashes = false;
    bool have_rdinit = false;
    size_t used = 0;
    const char* p = cmdline;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
        if (*p == '\0') break;
        // One word, with quotes removed, into storage.
        char* word = storage + used;
        char quote = 0;
        while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '\n'))) {
            if (!quote && (*p == '\'' || *p == '"')) {
                quote = *p++;
                continue;
            }
            if (quote && *p == quote) {
                quote = 0;
                ++p;
                continue;
            }
            if (used + 1 >= storage_size) return "command line too long";
            storage[used++] = *p++;
        }
        if (quote) return "unterminated quote in the command line";
        if (used + 1 > storage_size) return "command line too long";
        storage[used++] = '\0';

        if (after_dashes) {
            if (nargs == kInitMaxArgs) return "too many arguments for init (at most 64)";
            args[nargs++] = word;
        } else if (kstreq_n(word, 2, "--") && word[2] == '\0') {
            after_dashes = true;
        } else if (starts_with(word, "init=") || starts_with(word, "rdinit=")) {
            const bool rd = word[0] == 'r';
            const char* value = word + (rd ? 7 : 5);
            if (*value == '\0') return rd ? "rdinit= needs a path" : "init= needs a path";
            // With an initramfs Linux runs rdinit= and keeps init= for a later root: here the
            // archive is the root, so init= counts, unless rdinit= was given as well.
            if (rd) {
                out->path = value;
                have_rdinit = true;
            } else if (!have_rdinit) {
                out->path = value;
            }
            out->init_given = true;
        } else if (starts_with(word, "root=")) {
            if (word[5] == '\0') return "root= needs a device";
            out->root = word + 5;
        } else if (starts_with(word, "rootfstype=")) {
            if (word[11] == '\0') return "rootfstype= needs a type";
            out->rootfstype = word + 11;
        } else if (starts_with(word, "ip=")) {
            out->ip = word + 3;  // the network stack parses it (and names what is wrong)
        } else if ((kstreq_n(word, 2, "ro") || kstreq_n(word, 2, "rw")) && word[2] == '\0') {
            out->root_rw = word[1] == 'w';
        } else if ((kstreq_n(word, 8, "rootwait") && word[8] == '\0') ||
                   starts_with(word, "rootdelay=")) {
            // accepted: the disks are there from the start
        } else if (starts_with(word, "console=") || starts_with(word, "loglevel=")) {
            // accepted and ignored: there is one console
        } else if (module_parameter(word)) {
            // "module.name=value" (virtio_mmio.device=... from the monitor): the kernel's, never
            // init's, as on Linux
        } else if (kstreq_n(word, 5, "quiet") && word[5] == '\0') {
            out->quiet = true;
        } else if (kstreq_n(word, 13, "bench_floor=1") && word[13] == '\0') {
            out->bench_floor = true;
        } else if (has_equals(word)) {
            uint32_t slot = 0;  // a word replaces an earlier one of the same name, as Linux does
            while (slot < out->envc && !same_name(out->envp[slot], word)) ++slot;
            if (slot == out->envc) {
                if (out->envc == kInitMaxEnv + 2) {
                    return "too many environment words for init (at most 32)";
                }
                ++out->envc;
            }
            out->envp[slot] = word;
        } else {
            if (nargs == kInitMaxArgs) return "too many arguments for init (at most 64)";
            args[nargs++] = word;
        }
    }
    out->argv[0] = out->path;
    for (uint32_t i = 0; i < nargs; ++i) out->argv[i + 1] = args[i];
    out->argc = nargs + 1;
    out->argv[out->argc] = nullptr;
    out->envp[out->envc] = nullptr;
    return nullptr;
}

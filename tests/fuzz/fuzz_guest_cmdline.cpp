// libFuzzer target: the guest kernel's init command line parser (guest/kernel/init_cmdline)
// on arbitrary bytes, NUL-terminated (a NUL inside ends the line early, as in the boot-info
// page). Each input is parsed with three storage sizes: strlen + 1 (what the header asks for:
// never "too long"), a smaller one (may say "too long", must never write past it) and a large
// one (the same answer as strlen + 1). Every storage is an exactly sized heap buffer, so ASan
// catches a byte written or read past it. Each answer must keep the header's promises (argv[0]
// is the path, both arrays NULL-terminated, counts within the limits, every string inside the
// storage or one of the parser's literals, never the input) and agree with a small model of
// the documented rules written with std::string.
#include "kernel/init_cmdline.hpp"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct Answer {
    const char* error = nullptr;  // the parser's message, or the model's key phrase
    std::string path;
    std::vector<std::string> argv, envp;
    bool quiet = false;
    bool bench_floor = false;
    bool init_given = false;
    std::string root, rootfstype;
    bool root_rw = false;
    bool has_ip = false;
    std::string ip;
};

Answer failed(const char* why) {
    Answer a;
    a.error = why;
    return a;
}

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

bool prefixed(const std::string& s, const char* prefix) {
    return s.compare(0, strlen(prefix), prefix) == 0;
}

// The documented rules (init_cmdline.hpp), restated: words split on blanks, '...' and "..."
// group, each word costs its bytes plus a NUL of storage; kernel words (init=, rdinit=,
// console=, loglevel=, quiet, bench_floor=1, root=, rootfstype=, ro, rw, rootwait,
// rootdelay=, ip=), module parameters (a dot in the name), `--`,
// NAME=value.
Answer model(const char* p, size_t storage_size) {
    Answer a;
    a.path = "/init";
    a.envp = {"HOME=/", "TERM=linux"};
    std::vector<std::string> args;
    bool after_dashes = false;
    bool have_rdinit = false;
    size_t used = 0;
    for (;;) {
        while (space(*p)) ++p;
        if (*p == '\0') break;
        std::string w;
        char quote = 0;
        while (*p && (quote || !space(*p))) {
            if (!quote && (*p == '\'' || *p == '"')) {
                quote = *p++;
            } else if (quote && *p == quote) {
                quote = 0;
                ++p;
            } else {
                w += *p++;
            }
        }
        if (!w.empty() && used + w.size() >= storage_size) return failed("too long");
        if (quote) return failed("unterminated quote");
        if (used + w.size() + 1 > storage_size) return failed("too long");
        used += w.size() + 1;
        if (after_dashes) {
            if (args.size() == kInitMaxArgs) return failed("too many arguments");
            args.push_back(w);
        } else if (w == "--") {
            after_dashes = true;
        } else if (prefixed(w, "init=") || prefixed(w, "rdinit=")) {
            const bool rd = w[0] == 'r';
            const std::string value = w.substr(rd ? 7 : 5);
            if (value.empty()) return failed(rd ? "rdinit= needs a path" : "init= needs a path");
            if (rd || !have_rdinit) a.path = value;  // rdinit= wins over init=
            have_rdinit = have_rdinit || rd;
            a.init_given = true;
        } else if (prefixed(w, "root=")) {
            if (w.size() == 5) return failed("root= needs a device");
            a.root = w.substr(5);
        } else if (prefixed(w, "rootfstype=")) {
            if (w.size() == 11) return failed("rootfstype= needs a type");
            a.rootfstype = w.substr(11);
        } else if (prefixed(w, "ip=")) {
            a.has_ip = true;
            a.ip = w.substr(3);
        } else if (w == "ro" || w == "rw") {
            a.root_rw = w == "rw";
        } else if (w == "rootwait" || prefixed(w, "rootdelay=")) {
        } else if (prefixed(w, "console=") || prefixed(w, "loglevel=")) {
        } else if (w.substr(0, w.find('=')).find('.') != std::string::npos) {
            // a module parameter (a dot in the name): nobody's
        } else if (w == "quiet") {
            a.quiet = true;
        } else if (w == "bench_floor=1") {
            a.bench_floor = true;
        } else if (w.find('=') != std::string::npos) {
            // A name given again replaces the earlier value in place.
            const std::string name = w.substr(0, w.find('=') + 1);
            auto same = std::find_if(a.envp.begin(), a.envp.end(), [&](const std::string& e) {
                return e.compare(0, name.size(), name) == 0;
            });
            if (same != a.envp.end()) {
                *same = w;
                continue;
            }
            if (a.envp.size() == kInitMaxEnv + 2) return failed("too many environment words");
            a.envp.push_back(w);
        } else {
            if (args.size() == kInitMaxArgs) return failed("too many arguments");
            args.push_back(w);
        }
    }
    a.argv.push_back(a.path);
    a.argv.insert(a.argv.end(), args.begin(), args.end());
    return a;
}

bool literal(const char* s) {
    return strcmp(s, "/init") == 0 || strcmp(s, "HOME=/") == 0 || strcmp(s, "TERM=linux") == 0;
}

// A string of the answer: NUL-terminated inside the storage, or a literal outside both buffers.
void check_string(const char* s, const char* storage, size_t storage_size, const char* line,
                  size_t line_size) {
    check(s != nullptr);
    if (s >= storage && s < storage + storage_size) {
        check(memchr(s, '\0', size_t(storage + storage_size - s)) != nullptr);
        return;
    }
    check(!(s >= line && s <= line + line_size));
    check(literal(s));
}

Answer parse(const char* line, size_t line_size, size_t storage_size) {
    char* storage = new char[storage_size ? storage_size : 1];
    memset(storage, 0xa5, storage_size ? storage_size : 1);
    InitCommand out;
    Answer a;
    a.error = parse_init_cmdline(line, storage, storage_size, &out);
    if (a.error == nullptr) {
        check(out.argc >= 1 && out.argc <= kInitMaxArgs + 1);
        check(out.envc >= 2 && out.envc <= kInitMaxEnv + 2);
        check(out.argv[0] == out.path && out.path[0] != '\0');
        check(out.argv[out.argc] == nullptr && out.envp[out.envc] == nullptr);
        for (uint32_t i = 0; i < out.argc; ++i) {
            check_string(out.argv[i], storage, storage_size, line, line_size);
            a.argv.push_back(out.argv[i]);
        }
        for (uint32_t i = 0; i < out.envc; ++i) {
            check_string(out.envp[i], storage, storage_size, line, line_size);
            a.envp.push_back(out.envp[i]);
        }
        a.path = out.path;
        a.quiet = out.quiet;
        a.bench_floor = out.bench_floor;
        a.init_given = out.init_given;
        if (out.root) {
            check_string(out.root, storage, storage_size, line, line_size);
            a.root = out.root;
        }
        if (out.rootfstype) {
            check_string(out.rootfstype, storage, storage_size, line, line_size);
            a.rootfstype = out.rootfstype;
        }
        a.root_rw = out.root_rw;
        if (out.ip) {
            check_string(out.ip, storage, storage_size, line, line_size);
            a.has_ip = true;
            a.ip = out.ip;
        }
    } else {
        check(a.error[0] != '\0');
    }
    delete[] storage;
    return a;
}

void check_same(const Answer& got, const Answer& want) {
    check((got.error == nullptr) == (want.error == nullptr));
    if (got.error != nullptr) {
        check(strstr(got.error, want.error) != nullptr);
        return;
    }
    check(got.path == want.path && got.argv == want.argv && got.envp == want.envp);
    check(got.quiet == want.quiet && got.bench_floor == want.bench_floor);
    check(got.init_given == want.init_given && got.root == want.root &&
          got.rootfstype == want.rootfstype && got.root_rw == want.root_rw);
    check(got.has_ip == want.has_ip && got.ip == want.ip);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 8192) return 0;  // the kernel's command line is at most 1023 bytes
    char* line = new char[size + 1];
    memcpy(line, data, size);
    line[size] = '\0';
    const size_t len = strlen(line);

    const Answer exact = parse(line, size + 1, len + 1);
    check(exact.error == nullptr || strstr(exact.error, "too long") == nullptr);
    check_same(exact, model(line, len + 1));

    const size_t small = size ? data[0] % (len + 1) : 0;  // 0 .. len
    check_same(parse(line, size + 1, small), model(line, small));

    const size_t large = len + 1 + 4096;
    const Answer big = parse(line, size + 1, large);
    check_same(big, exact);
    delete[] line;
    return 0;
}

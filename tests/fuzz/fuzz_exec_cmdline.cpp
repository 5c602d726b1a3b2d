// libFuzzer target: the command line `domus run --exec` writes (boot/exec_image.hpp,
// exec_cmdline and quote_cmdline_word) read back by the guest kernel's own parser
// (guest/kernel/init_cmdline). The input is cut at 0x01 bytes into: the user's --cmdline words,
// then the init path, then the arguments. Whenever exec_cmdline accepts, the guest must see
// exactly that init path and exactly those arguments (or refuse only for the user's own words:
// the environment-word limit, an empty root=). The separator is 0x01 (the
// seeds are written by CMake, whose strings cannot hold a NUL); a NUL is kept in a part and
// must be refused by exec_cmdline.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "boot/exec_image.hpp"
#include "kernel/init_cmdline.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 1) {
            parts.emplace_back();
        } else {
            parts.back() += static_cast<char>(data[i]);
        }
    }
    const std::string user = parts[0];
    const std::string init = parts.size() > 1 && !parts[1].empty() ? parts[1] : "/bin/p";
    std::vector<std::string> args(parts.size() > 2 ? parts.begin() + 2 : parts.end(), parts.end());
    auto line = domus::exec_cmdline(user, init, args);
    if (!line) return 0;
    // The user's words may hold a NUL (only args are checked for one): the guest would end the
    // line there, so the comparison is for lines without one.
    if (line->find('\0') != std::string::npos) return 0;
    std::vector<char> storage(line->size() + 1);
    InitCommand out{};
    if (const char* e = parse_init_cmdline(line->c_str(), storage.data(), storage.size(), &out)) {
        // The user's own words may be refused (too many environment words, an empty root=);
        // what exec_cmdline adds never may: quotes, init= and the argument count.
        if (strstr(e, "quote") != nullptr || strstr(e, "arguments") != nullptr ||
            strstr(e, "init=") != nullptr) {
            __builtin_trap();
        }
        return 0;
    }
    if (init != out.path) __builtin_trap();
    if (out.argc != args.size() + 1) __builtin_trap();
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] != out.argv[i + 1]) __builtin_trap();
    }
    return 0;
}

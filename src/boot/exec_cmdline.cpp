// The pure parts of boot/exec_image.hpp: quoting for the guest's command line, the command line
// that runs the program, and busybox's applet list.
#include <algorithm>

#include "boot/cpio.hpp"
#include "boot/exec_image.hpp"

namespace domus {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

// The words of a command line as the guest splits them (quotes removed), or an error.
Result<std::vector<std::string>> split_words(std::string_view line) {
    std::vector<std::string> words;
    size_t i = 0;
    for (;;) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i >= line.size()) return words;
        std::string word;
        char quote = 0;
        while (i < line.size() && (quote || !is_space(line[i]))) {
            const char c = line[i++];
            if (!quote && (c == '\'' || c == '"')) {
                quote = c;
            } else if (quote && c == quote) {
                quote = 0;
            } else {
                word += c;
            }
        }
        if (quote) {
            return make_error(
                Errc::invalid_argument,
                "the command line " + escape_for_message(line) + " has an unterminated quote");
        }
        words.push_back(std::move(word));
    }
}

}  // namespace

std::string quote_cmdline_word(std::string_view word) {
    const bool plain = !word.empty() && std::none_of(word.begin(), word.end(), [](char c) {
        return is_space(c) || c == '\'' || c == '"';
    });
    if (plain) return std::string(word);
    if (word.empty()) return "''";
    // Runs without a single quote go inside '...'; runs of single quotes inside "...".
    std::string out;
    size_t i = 0;
    while (i < word.size()) {
        const bool single = word[i] == '\'';
        size_t j = i;
        while (j < word.size() && (word[j] == '\'') == single) ++j;
        const char q = single ? '"' : '\'';
        out += q;
        out.append(word.substr(i, j - i));
        out += q;
        i = j;
    }
    return out;
}

Result<std::string> exec_cmdline(std::string_view cmdline, std::string_view init,
                                 const std::vector<std::string>& args) {
    auto words = split_words(cmdline);
    if (!words) return words.error();
    for (const std::string& w : *words) {
        if (w == "--") {
            return make_error(Errc::invalid_argument,
                              "the command line " + escape_for_message(cmdline) +
                                  " has a \"--\" word: with --exec the program's arguments "
                                  "follow the program");
        }
        if (w.find('=') == std::string::npos && w != "quiet" && w != "ro" && w != "rw" &&
            w != "rootwait") {
            return make_error(Errc::invalid_argument,
                              "the command line word " + escape_for_message(w) +
                                  " would become an argument of the program (the guest gives "
                                  "init the words it does not know): give it after the program");
        }
        if (w.starts_with("init=") || w.starts_with("rdinit=")) {
            return make_error(Errc::invalid_argument,
                              "the command line word " + escape_for_message(w) +
                                  " names init, which --exec sets to the program");
        }
    }
    if (args.size() > kExecMaxArgs) {
        return make_error(Errc::invalid_argument,
                          std::to_string(args.size()) + " arguments are too many (at most " +
                              std::to_string(kExecMaxArgs) + ", the guest's limit for init)");
    }
    std::string out(cmdline);
    while (!out.empty() && is_space(out.back())) out.pop_back();
    if (!out.empty()) out += ' ';
    out += "init=" + quote_cmdline_word(init) + " --";
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i].find('\0') != std::string::npos) {
            return make_error(Errc::invalid_argument, "argument " + std::to_string(i + 1) + " " +
                                                          escape_for_message(args[i]) +
                                                          " holds a NUL byte");
        }
        out += ' ';
        out += quote_cmdline_word(args[i]);
    }
    return out;
}

Result<std::vector<std::string>> parse_busybox_applets(std::string_view list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < list.size()) {
        size_t end = list.find('\n', start);
        if (end == std::string_view::npos) end = list.size();
        const std::string_view name = list.substr(start, end - start);
        start = end + 1;
        if (name.empty() || name == "busybox") continue;
        if (name == "." || name == ".." || name.size() > 255 ||
            name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
            return make_error(
                Errc::invalid_argument,
                "busybox --list printed " + escape_for_message(name) + ", not an applet name");
        }
        out.emplace_back(name);
    }
    if (out.empty()) {
        return make_error(Errc::invalid_argument, "busybox --list printed no applet");
    }
    return out;
}

}  // namespace domus

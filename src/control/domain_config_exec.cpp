// The "exec" setting (a program packed into the domain's initramfs): the checks the JSON and
// xl.cfg parsers, PATCH and validate_config share. Where the files are (confined to the image
// dirs) and what they hold (a static executable) is the controller's to check.
#include <string>

#include "control/domain_config.hpp"
#include "domus/abi/boot_info.h"

namespace domus::control::config_detail {
namespace {

struct ExecNames {
    const char* program;  // xl.cfg: exec; JSON: exec.program
    const char* args;     // exec_args; exec.args
    const char* overlay;  // exec_overlay; exec.overlay
};

constexpr ExecNames kJsonNames{"exec.program", "exec.args", "exec.overlay"};
constexpr ExecNames kXlNames{"exec", "exec_args", "exec_overlay"};

ConfigError invalid(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

std::optional<ConfigError> check_exec(const ExecConfig& exec, bool xl) {
    const ExecNames& n = xl ? kXlNames : kJsonNames;
    if (exec.program.empty()) {
        return invalid("exec.program", std::string(n.program) +
                                           " \"\" is empty: it names the static program to run");
    }
    if (auto e = check_path_like(n.program, exec.program, kMaxKernelPathBytes, "path")) {
        return invalid("exec.program", std::move(*e));
    }
    if (exec.program.back() == '/') {
        return invalid("exec.program", std::string(n.program) + " " + quote(exec.program) +
                                           " ends in '/': it must name a file");
    }
    const size_t slash = exec.program.rfind('/');
    const std::string_view base =
        std::string_view(exec.program).substr(slash == std::string::npos ? 0 : slash + 1);
    if (base == "." || base == "..") {
        return invalid("exec.program", std::string(n.program) + " " + quote(exec.program) +
                                           " does not name a file");
    }
    if (exec.args.size() > kMaxExecArgs) {
        return invalid("exec.args", std::string(n.args) + " has " +
                                        std::to_string(exec.args.size()) +
                                        " entries: a program takes at most " +
                                        std::to_string(kMaxExecArgs) + " arguments");
    }
    size_t total = 0;
    for (size_t i = 0; i < exec.args.size(); ++i) {
        const std::string shown = std::string(n.args) + "[" + std::to_string(i) + "]";
        if (auto e = check_path_like(shown, exec.args[i], DOMUS_CMDLINE_MAX, "")) {
            return invalid("exec.args[" + std::to_string(i) + "]", std::move(*e));
        }
        total += exec.args[i].size() + 1;
    }
    if (total >= DOMUS_CMDLINE_MAX) {
        return invalid("exec.args", std::string(n.args) + " take " + std::to_string(total) +
                                        " bytes: more than the kernel command line holds (" +
                                        std::to_string(DOMUS_CMDLINE_MAX - 1) + " bytes)");
    }
    if (!exec.overlay.empty()) {
        if (auto e = check_path_like(n.overlay, exec.overlay, kMaxKernelPathBytes, "path")) {
            return invalid("exec.overlay", std::move(*e));
        }
    }
    return std::nullopt;
}

std::optional<ConfigError> set_exec(DomainConfigPatch& patch, ExecConfig exec, bool xl) {
    if (auto e = check_exec(exec, xl)) return e;
    patch.exec = std::move(exec);
    return std::nullopt;
}

}  // namespace domus::control::config_detail

// A domain's `exec` setting: the program and overlay confined to the image dirs, the initramfs
// packed once at create, PATCH and start (as the monitor will pack it: every file it holds read
// and checked, the program a static executable), and the monitor's --exec options.
#include <string>
#include <string_view>

#include "boot/exec_image.hpp"
#include "boot/initramfs.hpp"
#include "control/controller_internal.hpp"
#include "control/image_paths.hpp"
#include "domus/abi/boot_info.h"

namespace domus::control {

static_assert(kMaxExecArgs == kExecMaxArgs, "the config's argument limit is the monitor's");

namespace {

// The packer speaks `domus run`'s options (--exec, --with-busybox, --overlay); the API's
// words are the fields of "exec".
std::string api_words(std::string message) {
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"--exec", "exec"},
                            {"--with-busybox", "exec.with_busybox"},
                            {"--overlay", "exec.overlay"}}) {
        for (size_t at = message.find(from); at != std::string::npos;
             at = message.find(from, at + to.size())) {
            message.replace(at, from.size(), to);
        }
    }
    return message;
}

// Which field of exec a packer's message is about.
std::string exec_field(std::string_view message) {
    if (message.find("--with-busybox") != std::string_view::npos) return "exec.with_busybox";
    if (message.find("--overlay") != std::string_view::npos) return "exec.overlay";
    return "exec.program";
}

}  // namespace

ApiResult<ExecSpec> ControllerImpl::resolve_exec(const DomainConfig& config) {
    ExecSpec spec;
    auto program = resolve_boot_file(image_dirs_, config.exec.program, "exec program");
    if (!program) return api_error(400, "invalid_field", program.error().message, "exec.program");
    spec.program = std::move(*program);
    spec.args = config.exec.args;
    spec.with_busybox = config.exec.with_busybox;
    if (!config.exec.overlay.empty()) {
        auto overlay = resolve_image_subdir(image_dirs_, config.exec.overlay);
        if (!overlay) {
            return api_error(400, "invalid_field", "exec overlay: " + overlay.error().message,
                             "exec.overlay");
        }
        spec.overlay = std::move(*overlay);
    }
    return spec;
}

ApiResult<Empty> ControllerImpl::check_exec(const DomainConfig& config) {
    auto spec = resolve_exec(config);
    if (!spec.ok()) return spec.error();
    const uint64_t max_bytes = max_initramfs_bytes(config.memory << 20);
    const std::string limit_name =
        "half of the domain's " + std::to_string(config.memory) + " MiB of memory";
    // Packed into a memfd and dropped: what the monitor will do, so that every file is read and
    // checked here, before anything is defined.
    auto image = build_exec_image(spec.value(), max_bytes, limit_name);
    if (!image) {
        const std::string& m = image.error().message;
        const int status = image.error().code == Errc::io ? 500 : 400;
        return api_error(status, status == 400 ? "invalid_field" : "internal", api_words(m),
                         exec_field(m));
    }
    auto cmdline = exec_cmdline(config.cmdline, image->init, config.exec.args);
    if (!cmdline) {
        const bool args = exec_cmdline(config.cmdline, image->init, {}).ok();
        return api_error(400, "invalid_field", api_words(cmdline.error().message),
                         args ? "exec.args" : "cmdline");
    }
    if (cmdline->size() >= DOMUS_CMDLINE_MAX) {
        return api_error(400, "invalid_field",
                         "the command line with exec's init= and arguments takes " +
                             std::to_string(cmdline->size()) + " bytes, over the limit of " +
                             std::to_string(DOMUS_CMDLINE_MAX - 1),
                         "exec.args");
    }
    return Empty{};
}

ApiResult<std::vector<std::string>> ControllerImpl::exec_monitor_args(const DomainConfig& config) {
    std::vector<std::string> args;
    if (config.exec.empty()) return args;
    auto spec = resolve_exec(config);
    if (!spec.ok()) return spec.error();
    args = {"--exec", spec.value().program};
    // --exec-arg=VALUE: a value starting with '-' stays a value (CLI11 takes everything after
    // the first '='); an empty one, which CLI11 reads as missing in that form, as its own word.
    for (const std::string& a : spec.value().args) {
        if (a.empty()) {
            args.insert(args.end(), {"--exec-arg", ""});
        } else {
            args.push_back("--exec-arg=" + a);
        }
    }
    if (spec.value().with_busybox) args.push_back("--with-busybox");
    if (!spec.value().overlay.empty()) {
        args.push_back("--overlay");
        args.push_back(spec.value().overlay);
    }
    return args;
}

}  // namespace domus::control

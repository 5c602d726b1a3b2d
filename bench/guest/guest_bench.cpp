#include "guest_bench.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace domus::bench::guest {

std::string images_dir() {
    return GUEST_BENCH_IMAGES_DIR;
}
std::string image(const std::string& name) {
    return images_dir() + "/" + name + ".cpio";
}
std::string program(const std::string& name) {
    return images_dir() + "/bin/" + name;
}
std::string domus_bin() {
    return DOMUS_BIN;
}

bool build_images(const std::string& label) {
    auto r = run_child({"/bin/bash", std::string(GUEST_BENCH_SOURCE_DIR) + "/build_images.sh",
                        GUEST_BENCH_SOURCE_DIR, images_dir()},
                       {}, 600);
    if (r.exit_code != 0) {
        report_failure(label + ": bench/guest/build_images.sh", r);
        return false;
    }
    return true;
}

GuestRun spec(std::string ramdisk, std::string cmdline, int vcpus, int memory_mib) {
    GuestRun g;
    g.vcpus = vcpus;
    g.memory_mib = memory_mib;
    g.ramdisk = std::move(ramdisk);
    g.cmdline = std::move(cmdline);
    return g;
}

std::vector<std::string> guest_argv(const GuestRun& g) {
    std::vector<std::string> argv = {DOMUS_BIN, "run", "--vcpus", std::to_string(g.vcpus)};
    if (g.memory_mib > 0) {
        argv.push_back("--memory");
        argv.push_back(std::to_string(g.memory_mib));
    }
    if (!g.ramdisk.empty()) {
        argv.push_back("--ramdisk");
        argv.push_back(g.ramdisk);
    }
    for (const std::string& disk : g.disks) {
        argv.push_back("--disk");
        argv.push_back(disk);
    }
    for (const std::string& nic : g.nics) {
        argv.push_back("--net");
        argv.push_back(nic);
    }
    argv.push_back("--cmdline");
    argv.push_back(g.cmdline);
    return argv;
}

ChildResult run_guest(const GuestRun& g) {
    return run_child(guest_argv(g), g.env, g.timeout_s);
}

std::string program_output(const std::string& console) {
    std::istringstream in(console);
    std::string line, out;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("guest: ", 0) == 0) continue;
        out += line;
        out += '\n';
    }
    return out;
}

std::optional<double> result_field(const ChildResult& r, const std::string& key) {
    const std::string text = program_output(r.out);
    const size_t at = text.rfind("result ");
    if (at == std::string::npos || (at != 0 && text[at - 1] != '\n')) return std::nullopt;
    const auto v = field(text.substr(at, text.find('\n', at) - at), key);
    if (!v || v->empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return d;
}

bool ok(const std::string& label, const ChildResult& r) {
    if (r.spawned && !r.timed_out && r.exit_code == 0 &&
        program_output(r.out).find("result ") != std::string::npos) {
        return true;
    }
    report_failure(label, r);
    return false;
}

LineTiming time_to_line(const std::vector<std::string>& argv, const std::string& line,
                        double timeout_s) {
    LineTiming t;
    t.child = run_child(argv, {}, timeout_s, line);
    t.first_ms = t.child.mark_ms.value_or(0);
    t.exit_ms = t.child.ms;
    t.ok = t.child.spawned && t.child.mark_ms && !t.child.timed_out && t.child.exit_code == 0;
    return t;
}

std::string ratio(double num, double den, int decimals) {
    if (den == 0) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, num / den);
    return buf;
}

}  // namespace domus::bench::guest

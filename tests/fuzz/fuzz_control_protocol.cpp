// Fuzzes the monitor control channel's pure parsers (src/vmm/control_protocol.cpp) and the exit
// file parser (src/vmm/exit_file.cpp) on arbitrary text: every parser must return a value or an
// error, never crash; whatever parses must survive a format -> parse round trip unchanged; and
// every response line the monitor formats stays exactly one line (the status of a preserved
// domain and the dump-core answer included).
//
// Boost.JSON is compiled from its headers in this TU (the system library is built with g++ and
// is not instrumented), so the fuzz build does not link it.
#include <boost/json/src.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vmm/control_protocol.hpp"
#include "vmm/exit_file.hpp"

namespace {

using namespace domus;
using namespace domus::vmm;

void check_one_line(const std::string& line) {
    if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
        __builtin_trap();
    }
}

void fuzz_request(std::string_view text) {
    auto req = parse_control_request(text);
    if (!req) {
        if (req.error().message.empty()) __builtin_trap();
        check_one_line(format_error(req.error().message));  // what the monitor sends back
        return;
    }
    const std::string again = format_request(req->op);
    check_one_line(again);
    auto round = parse_control_request(again);
    if (!round || round->op != req->op) __builtin_trap();
}

void fuzz_responses(std::string_view text) {
    (void)parse_ok_response(text);
    (void)parse_handshake(text);
    auto status = parse_status_response(text);
    if (!status) return;
    const std::string line = format_status(*status);
    check_one_line(line);
    auto round = parse_status_response(line);
    if (!round || round->state != status->state || round->pid != status->pid ||
        round->vcpus != status->vcpus || round->memory_mib != status->memory_mib ||
        round->exits != status->exits || round->hypercalls != status->hypercalls ||
        round->vcpu_time_ns != status->vcpu_time_ns || round->uptime_ns != status->uptime_ns ||
        round->resident_kib != status->resident_kib || round->preserved != status->preserved ||
        round->exit_reason != status->exit_reason || round->exit_code != status->exit_code ||
        round->exit_detail != status->exit_detail) {
        __builtin_trap();
    }
    // A preserved status always names how the domain ended, in a final state.
    if (status->preserved && (status->exit_reason.empty() ||
                              (status->state != "crashed" && status->state != "stopped"))) {
        __builtin_trap();
    }
}

void fuzz_dump_core(std::string_view text) {
    auto bytes = parse_dump_core_response(text);
    if (!bytes) return;
    const std::string line = format_dump_core_ok(*bytes);
    check_one_line(line);
    auto round = parse_dump_core_response(line);
    if (!round || *round != *bytes) __builtin_trap();
}

void fuzz_exit_info(std::string_view text) {
    auto info = parse_exit_info(text);
    if (!info) return;
    if (!is_exit_reason(info->reason)) __builtin_trap();
    const std::string line = format_exit_info(*info);
    check_one_line(line);
    auto round = parse_exit_info(line);
    if (!round || round->reason != info->reason || round->code != info->code ||
        round->detail != info->detail) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz_request(text);
    fuzz_responses(text);
    fuzz_dump_core(text);
    fuzz_exit_info(text);
    return 0;
}

// The control channel's pure parsers and formatters (src/vmm/control_protocol.hpp).
#include "vmm/control_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace domus::vmm {
namespace {

std::string error_of(std::string_view line) {
    auto r = parse_control_request(line);
    return r ? std::string() : r.error().message;
}

TEST(ControlRequest, EveryOp) {
    for (ControlOp op :
         {ControlOp::status, ControlOp::pause, ControlOp::unpause, ControlOp::shutdown,
          ControlOp::reboot, ControlOp::destroy, ControlOp::console, ControlOp::dump_core}) {
        auto r = parse_control_request(std::string("{\"op\":\"") + to_string(op) + "\"}");
        ASSERT_TRUE(r.ok()) << to_string(op) << ": " << r.error().message;
        EXPECT_EQ(r->op, op);
    }
}

TEST(ControlRequest, FormatRequestRoundTrips) {
    auto line = format_request(ControlOp::reboot);
    EXPECT_EQ(line, "{\"op\":\"reboot\"}\n");
    auto r = parse_control_request(line);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->op, ControlOp::reboot);
}

TEST(ControlRequest, ToleratesWhitespaceAndCrLf) {
    EXPECT_EQ(error_of("  { \"op\" : \"status\" }  \r"), "");
    EXPECT_EQ(error_of("{\"op\":\"pause\"}\n"), "");
}

TEST(ControlRequest, MalformedJson) {
    EXPECT_NE(error_of("garbage").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{\"op\":").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{\"op\":\"status\"} {}").find("not valid JSON"), std::string::npos);
    // A raw NUL (any control character) inside a JSON string is invalid JSON.
    EXPECT_NE(error_of(std::string("{\"op\":\"st\0tus\"}", 15)).find("not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of("{\"op\":\"st\\u0000tus\"}").find("unknown op"), std::string::npos);
}

TEST(ControlRequest, Empty) {
    EXPECT_EQ(error_of(""), "empty request");
    EXPECT_EQ(error_of("   "), "empty request");
}

TEST(ControlRequest, NotAnObject) {
    for (const char* line : {"[]", "\"status\"", "42", "null", "true"}) {
        EXPECT_NE(error_of(line).find("not a JSON object"), std::string::npos) << line;
    }
}

TEST(ControlRequest, OpMissingOrWrongType) {
    EXPECT_NE(error_of("{}").find("missing \"op\""), std::string::npos);
    EXPECT_NE(error_of("{\"op\":1}").find("\"op\" must be a string"), std::string::npos);
    EXPECT_NE(error_of("{\"op\":null}").find("must be a string"), std::string::npos);
    EXPECT_NE(error_of("{\"op\":[\"status\"]}").find("must be a string"), std::string::npos);
}

TEST(ControlRequest, UnknownOpIsNamedAndEscaped) {
    EXPECT_EQ(
        error_of("{\"op\":\"fly\"}"),
        "unknown op \"fly\" (status|pause|unpause|shutdown|reboot|destroy|console|dump-core)");
    EXPECT_EQ(error_of("{\"op\":\"STATUS\"}").rfind("unknown op \"STATUS\"", 0), 0u);
    // Control characters come back escaped: the error line stays one line.
    EXPECT_EQ(error_of("{\"op\":\"a\\nb\"}").find('\n'), std::string::npos);
}

TEST(ControlRequest, UnknownFieldsAreRejected) {
    EXPECT_EQ(error_of("{\"op\":\"status\",\"verbose\":true}"),
              "unknown field \"verbose\" (only \"op\")");
}

TEST(ControlRequest, TooLong) {
    const std::string pad(kMaxControlLine, ' ');
    EXPECT_NE(error_of("{\"op\":\"status\"}" + pad).find("too long"), std::string::npos);
}

TEST(ControlRequest, DeepNestingIsAnErrorNotACrash) {
    std::string deep = "{\"op\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
    EXPECT_NE(error_of(deep), "");
}

TEST(ControlResponse, OkAndError) {
    EXPECT_EQ(format_ok(), "{\"ok\":true}\n");
    EXPECT_TRUE(parse_ok_response(format_ok()).ok());
    const std::string e = format_error("cannot pause: the domain is \"paused\"\n");
    EXPECT_EQ(e.find('\n'), e.size() - 1);  // one line
    auto st = parse_ok_response(e);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
    EXPECT_EQ(st.error().message, "cannot pause: the domain is \"paused\"\n");
}

TEST(ControlResponse, MalformedResponsesAreIoErrors) {
    for (const char* line :
         {"", "nope", "[]", "{}", "{\"ok\":1}", "{\"ok\":false}", "{\"ok\":false,\"error\":7}"}) {
        auto st = parse_ok_response(line);
        ASSERT_FALSE(st.ok()) << line;
        EXPECT_EQ(st.error().code, Errc::io) << line;
    }
}

TEST(ControlResponse, StatusRoundTrips) {
    VmmStatus s;
    s.state = "shutting-down";
    s.pid = 4242;
    s.vcpus = 64;
    s.memory_mib = 32768;
    s.exits = ~0ull;
    s.hypercalls = 12;
    s.vcpu_time_ns = 1ull << 62;
    s.uptime_ns = 5;
    s.resident_kib = 2100;
    const std::string line = format_status(s);
    EXPECT_EQ(line.rfind("{\"ok\":true,\"state\":\"shutting-down\",\"pid\":4242,", 0), 0u) << line;
    auto r = parse_status_response(line);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->state, s.state);
    EXPECT_EQ(r->pid, s.pid);
    EXPECT_EQ(r->vcpus, s.vcpus);
    EXPECT_EQ(r->memory_mib, s.memory_mib);
    EXPECT_EQ(r->exits, s.exits);
    EXPECT_EQ(r->hypercalls, s.hypercalls);
    EXPECT_EQ(r->vcpu_time_ns, s.vcpu_time_ns);
    EXPECT_EQ(r->uptime_ns, s.uptime_ns);
    EXPECT_EQ(r->resident_kib, s.resident_kib);
}

TEST(ControlResponse, StatusErrors) {
    auto refused = parse_status_response(format_error("busy"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    auto missing = parse_status_response("{\"ok\":true,\"state\":\"running\",\"pid\":1}");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("\"vcpus\""), std::string::npos);
    auto negative = parse_status_response(
        "{\"ok\":true,\"state\":\"running\",\"pid\":1,\"vcpus\":1,\"memory_mib\":1,\"exits\":-1,"
        "\"hypercalls\":0,\"vcpu_time_ns\":0,\"uptime_ns\":0,\"resident_kib\":0}");
    ASSERT_FALSE(negative.ok());
    EXPECT_NE(negative.error().message.find("\"exits\""), std::string::npos);
    auto big_vcpus = parse_status_response(
        "{\"ok\":true,\"state\":\"running\",\"pid\":1,\"vcpus\":4294967296,\"memory_mib\":1,"
        "\"exits\":1,\"hypercalls\":0,\"vcpu_time_ns\":0,\"uptime_ns\":0,\"resident_kib\":0}");
    EXPECT_FALSE(big_vcpus.ok());
}

TEST(ControlResponse, PreservedStatusRoundTrips) {
    VmmStatus s;
    s.state = "crashed";
    s.preserved = true;
    s.exit_reason = "crash";
    s.exit_code = -6;
    s.exit_detail = "guest reported a crash\n\"quoted\"";
    s.pid = 7;
    s.vcpus = 2;
    const std::string line = format_status(s);
    EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
    auto r = parse_status_response(line);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->state, "crashed");
    EXPECT_TRUE(r->preserved);
    EXPECT_EQ(r->exit_reason, "crash");
    EXPECT_EQ(r->exit_code, -6);
    EXPECT_EQ(r->exit_detail, s.exit_detail);
    // Not preserved: no exit object is sent, and none is read.
    VmmStatus running;
    running.state = "running";
    const std::string plain = format_status(running);
    EXPECT_NE(plain.find("\"preserved\":false"), std::string::npos) << plain;
    EXPECT_EQ(plain.find("\"exit\""), std::string::npos) << plain;
    auto p = parse_status_response(plain);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->preserved);
    EXPECT_TRUE(p->exit_reason.empty());
}

TEST(ControlResponse, StatusWithoutPreservedIsNotPreserved) {
    // A monitor from before `preserved` existed (a daemon upgraded under running domains).
    auto r = parse_status_response(
        "{\"ok\":true,\"state\":\"running\",\"pid\":1,\"vcpus\":1,\"memory_mib\":1,\"exits\":1,"
        "\"hypercalls\":0,\"vcpu_time_ns\":0,\"uptime_ns\":0,\"resident_kib\":0}");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->preserved);
}

TEST(ControlResponse, HostilePreservedStatusesAreIoErrors) {
    const std::string base =
        "{\"ok\":true,\"pid\":1,\"vcpus\":1,\"memory_mib\":1,\"exits\":1,\"hypercalls\":0,"
        "\"vcpu_time_ns\":0,\"uptime_ns\":0,\"resident_kib\":0,";
    const std::pair<const char*, const char*> cases[] = {
        {R"("state":"crashed","preserved":"yes"})", "not a boolean"},
        {R"("state":"crashed","preserved":1})", "not a boolean"},
        {R"("state":"crashed","preserved":true})", "no \"exit\" object"},
        {R"("state":"crashed","preserved":true,"exit":"crash"})", "no \"exit\" object"},
        {R"("state":"crashed","preserved":true,"exit":{"code":1,"detail":""}})", "\"reason\""},
        {R"("state":"crashed","preserved":true,"exit":{"reason":"","code":1,"detail":""}})",
         "\"reason\""},
        {R"("state":"crashed","preserved":true,"exit":{"reason":"crash","code":1.5,"detail":""}})",
         "\"code\""},
        {R"("state":"crashed","preserved":true,"exit":{"reason":"crash","code":1,"detail":7}})",
         "\"detail\""},
        {R"("state":"running","preserved":true,"exit":{"reason":"crash","code":1,"detail":""}})",
         "crashed or stopped"},
    };
    for (const auto& [tail, expected] : cases) {
        auto r = parse_status_response(base + tail);
        ASSERT_FALSE(r.ok()) << tail;
        EXPECT_EQ(r.error().code, Errc::io) << tail;
        EXPECT_NE(r.error().message.find(expected), std::string::npos)
            << tail << " -> " << r.error().message;
    }
}

TEST(ControlResponse, DumpCoreAnswer) {
    EXPECT_EQ(format_dump_core_ok(33558528), "{\"ok\":true,\"bytes\":33558528}\n");
    auto ok = parse_dump_core_response(format_dump_core_ok(33558528));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(*ok, 33558528u);
    auto refused = parse_dump_core_response(
        format_error("cannot dump the core: the descriptor sent is not a regular file"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    EXPECT_NE(refused.error().message.find("not a regular file"), std::string::npos);
    for (const char* bad : {"{\"ok\":true}", "{\"ok\":true,\"bytes\":-1}",
                            "{\"ok\":true,\"bytes\":\"12\"}", "[]", "garbage"}) {
        auto r = parse_dump_core_response(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::io) << bad;
    }
}

TEST(Handshake, OkAndError) {
    EXPECT_EQ(format_handshake_ok(123), "{\"ok\":true,\"pid\":123}\n");
    auto pid = parse_handshake(format_handshake_ok(123));
    ASSERT_TRUE(pid.ok());
    EXPECT_EQ(*pid, 123);
    auto err = parse_handshake(format_handshake_error("kernel /x: not found"));
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().code, Errc::invalid_argument);
    EXPECT_EQ(err.error().message, "kernel /x: not found");
    EXPECT_FALSE(parse_handshake("{\"ok\":true}").ok());
    EXPECT_FALSE(parse_handshake("{\"ok\":true,\"pid\":0}").ok());
    EXPECT_FALSE(parse_handshake("").ok());
}

}  // namespace
}  // namespace domus::vmm

// The API token, the domusd config file, listen addresses and the Unix listener.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <fstream>

#include "api/api_token.hpp"
#include "api/daemon_config.hpp"
#include "api/listen_sockets.hpp"
#include "temp_dir.hpp"

namespace domus::api {
namespace {

TEST(ApiToken, CreatedOnceWithMode0600ThenReused) {
    test::TempDir dir;
    const std::string state = dir.file("state");  // created on demand
    auto first = load_or_create_token(state);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->size(), kTokenHexChars);
    EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat((state + "/api.token").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto second = load_or_create_token(state);
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);
    test::TempDir other;
    EXPECT_NE(*load_or_create_token(other.path()), *first);
}

TEST(ApiToken, MalformedFileIsAnError) {
    test::TempDir dir;
    std::ofstream(dir.file("api.token")) << "short\n";
    auto token = load_or_create_token(dir.path());
    ASSERT_FALSE(token);
    EXPECT_NE(token.error().message.find("api.token"), std::string::npos);
}

TEST(ApiToken, BearerHeaderAndComparison) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer  abc "), "abc");
    EXPECT_EQ(bearer_token("Basic abc"), "");
    EXPECT_EQ(bearer_token("Bearer"), "");
    EXPECT_EQ(bearer_token(""), "");
    EXPECT_TRUE(token_equal("abcd", "abcd"));
    EXPECT_FALSE(token_equal("abcd", "abce"));
    EXPECT_FALSE(token_equal("abcd", "abc"));
    EXPECT_FALSE(token_equal("", ""));
}

TEST(ApiToken, TcpAuthIsDecidedFromTheHeaderAlone) {
    const std::string token(64, 'a');
    EXPECT_FALSE(tcp_auth_error(token, "Bearer " + token));
    auto missing = tcp_auth_error(token, "");
    ASSERT_TRUE(missing);
    EXPECT_NE(missing->find("needs Authorization: Bearer"), std::string::npos);
    auto wrong = tcp_auth_error(token, "Bearer " + std::string(64, 'b'));
    ASSERT_TRUE(wrong);
    EXPECT_EQ(*wrong, "the bearer token is not valid");
    EXPECT_TRUE(tcp_auth_error(token, "Basic " + token));
    EXPECT_TRUE(tcp_auth_error("", "Bearer "));  // no token configured: nobody gets in
}

TEST(DaemonConfig, PerListenerConnectionLimitsAndTlsFiles) {
    DaemonConfig c;
    EXPECT_EQ(c.server.max_connections_unix, 1024u);
    EXPECT_EQ(c.server.max_connections_tcp, 256u);
    ASSERT_TRUE(
        apply_config_text("max-connections-unix = 100\nmax_connections_tcp = 8\n"
                          "tls-cert = /etc/domus/cert.pem\ntls_key = \"/etc/domus/key.pem\"\n",
                          c));
    EXPECT_EQ(c.server.max_connections_unix, 100u);
    EXPECT_EQ(c.server.max_connections_tcp, 8u);
    EXPECT_EQ(c.server.tls_cert, "/etc/domus/cert.pem");
    EXPECT_EQ(c.server.tls_key, "/etc/domus/key.pem");
    auto bad = apply_config_text("max-connections-tcp = 0\n", c);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("max-connections-tcp"), std::string::npos);
}

TEST(DaemonConfig, KeysValuesAndComments) {
    DaemonConfig c;
    const auto st = apply_config_text(
        "# domusd\n\nsocket = /tmp/x.sock\nstate_dir = \"/srv/domus\"\nlisten=127.0.0.1:8080\n"
        "vmm = /opt/domus-vmm\nvmm_user = nobody\nverbose = true\nmax_body_bytes = 1024\n"
        "max-connections = 10\nrequest_timeout_ms = 500\nworker_threads = 8\n"
        "events-kept = 5000\nstats_interval_ms = 250\n",
        c);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(c.socket, "/tmp/x.sock");
    EXPECT_EQ(c.state_dir, "/srv/domus");
    EXPECT_EQ(c.listen, "127.0.0.1:8080");
    EXPECT_EQ(c.vmm, "/opt/domus-vmm");
    EXPECT_EQ(c.vmm_user, "nobody");  // resolved (and refused if unknown) when domusd starts
    EXPECT_TRUE(c.server.verbose);
    EXPECT_EQ(c.server.max_body_bytes, 1024u);
    EXPECT_EQ(c.server.max_connections_unix, 10u);
    EXPECT_EQ(c.server.max_connections_tcp, 10u);
    EXPECT_EQ(c.server.request_timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(c.server.worker_threads, 8u);
    EXPECT_EQ(c.events_kept, 5000);
    EXPECT_EQ(c.stats_interval_ms, 250);
}

TEST(DaemonConfig, RejectsUnknownKeysAndBadValuesByName) {
    DaemonConfig c;
    auto st = apply_config_text("socket = /x\ncolour = blue\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message.rfind("line 2: unknown key \"colour\"", 0), 0u)
        << st.error().message;
    st = apply_config_text("max_body_bytes = lots\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message,
              "line 1: max-body-bytes must be an integer between 1 and 1073741824 (got \"lots\")");
    EXPECT_FALSE(apply_config_text("verbose = yes\n", c));
    EXPECT_FALSE(apply_config_text("just words\n", c));
    EXPECT_FALSE(apply_config_text("= value\n", c));
    EXPECT_FALSE(apply_config_text("io_threads = 0\n", c));
    st = apply_config_text("events-kept = 99\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message,
              "line 1: events-kept must be an integer between 100 and 1000000000 (got \"99\")");
    EXPECT_FALSE(apply_config_text("stats-interval-ms = 5\n", c));
    EXPECT_EQ(c.events_kept, 100000);  // a refused value changes nothing
}

TEST(DaemonConfig, VmmUidRange) {
    DaemonConfig c;
    ASSERT_TRUE(apply_config_text("vmm-uid-range = 200000-265535\n", c));
    EXPECT_EQ(c.vmm_uid_range, "200000-265535");
    auto st = apply_config_text("vmm_uid_range = 0-10\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "line 1: vmm-uid-range '0-10': it may not start at uid 0 (root)");
    st = apply_config_text("\nvmm-uid-range = lots\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message.rfind("line 2: vmm-uid-range 'lots': expected FIRST-LAST", 0), 0u)
        << st.error().message;
    EXPECT_EQ(c.vmm_uid_range, "200000-265535");  // a refused value changes nothing
}

TEST(DaemonConfig, LogFormat) {
    DaemonConfig c;
    EXPECT_EQ(c.log_format, telemetry::LogFormat::text);
    ASSERT_TRUE(apply_config_text("log-format = json\n", c));
    EXPECT_EQ(c.log_format, telemetry::LogFormat::json);
    ASSERT_TRUE(apply_config_text("log_format = \"text\"\n", c));
    EXPECT_EQ(c.log_format, telemetry::LogFormat::text);
    auto st = apply_config_text("log-format = JSON\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "line 1: log-format must be text or json (got \"JSON\")");
    EXPECT_FALSE(apply_config_text("log-format = \n", c));
    EXPECT_EQ(c.log_format, telemetry::LogFormat::text);  // a refused value changes nothing
}

TEST(DaemonConfig, SessionLifetimeAndCount) {
    DaemonConfig c;
    EXPECT_EQ(c.server.session_lifetime, std::chrono::seconds(43200));  // 12 hours
    EXPECT_EQ(c.server.max_sessions, 64u);
    ASSERT_TRUE(apply_config_text("session-lifetime-s = 3600\nmax_sessions = 2\n", c));
    EXPECT_EQ(c.server.session_lifetime, std::chrono::seconds(3600));
    EXPECT_EQ(c.server.max_sessions, 2u);
    auto st = apply_config_text("session-lifetime-s = 59\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message,
              "line 1: session-lifetime-s must be an integer between 60 and 2678400 (got \"59\")");
    for (const char* bad : {"session-lifetime-s = 2678401\n", "session-lifetime-s = -5\n",
                            "session-lifetime-s = 1h\n", "session-lifetime-s =\n",
                            "max-sessions = 0\n", "max-sessions = 100001\n",
                            "max-sessions = 99999999999999999999\n", "max-sessions = 0x10\n"}) {
        st = apply_config_text(bad, c);
        ASSERT_FALSE(st) << bad;
        EXPECT_NE(st.error().message.find(std::string_view(bad).substr(0, 10)), std::string::npos)
            << st.error().message;
    }
    EXPECT_EQ(c.server.session_lifetime, std::chrono::seconds(3600));  // refusals change nothing
    EXPECT_EQ(c.server.max_sessions, 2u);
}

TEST(DaemonConfig, AdmissionKeys) {
    DaemonConfig c;
    EXPECT_EQ(c.resources.memory_reserve_mib, 512u);
    EXPECT_FALSE(c.resources.overcommit);
    EXPECT_EQ(c.resources.max_domains, 1024u);
    ASSERT_TRUE(
        apply_config_text("memory-reserve-mib = 0\novercommit = true\nmax-domains = 3\n", c));
    EXPECT_EQ(c.resources.memory_reserve_mib, 0u);
    EXPECT_TRUE(c.resources.overcommit);
    EXPECT_EQ(c.resources.max_domains, 3u);
    auto st = apply_config_text("overcommit = 1\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "line 1: overcommit must be true or false (got \"1\")");
    st = apply_config_text("\nmax-domains = 0\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message,
              "line 2: max-domains must be an integer between 1 and 1000000 (got \"0\")");
    EXPECT_FALSE(apply_config_text("memory-reserve-mib = -1\n", c));
    EXPECT_FALSE(apply_config_text("memory-reserve-mib = 99999999999999999999\n", c));
    EXPECT_EQ(c.resources.max_domains, 3u);  // refused values change nothing
    EXPECT_TRUE(c.resources.overcommit);
}

TEST(DaemonConfig, ImageDirs) {
    DaemonConfig c;
    EXPECT_TRUE(c.image_dirs.empty());  // the default: <state-dir>/images
    ASSERT_TRUE(apply_config_text("image-dirs = /srv/images, \"/data/img/\" ,/x\n", c));
    EXPECT_EQ(c.image_dirs, (std::vector<std::string>{"/srv/images", "/data/img", "/x"}));
    ASSERT_TRUE(apply_config_text("image_dirs = /one\n", c));
    EXPECT_EQ(c.image_dirs, std::vector<std::string>{"/one"});
    auto st = apply_config_text("image-dirs = images\n", c);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "line 1: image-dirs entry \"images\" is not an absolute path");
    st = apply_config_text("image-dirs = /a,,/b\n", c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("has an empty entry"), std::string::npos);
    st = apply_config_text("image-dirs = /a, /a/\n", c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("lists \"/a\" twice"), std::string::npos);
    EXPECT_FALSE(apply_config_text("image-dirs =\n", c));
    EXPECT_EQ(c.image_dirs, std::vector<std::string>{"/one"});  // refused: unchanged
}

TEST(DaemonConfig, FileErrorsNameThePath) {
    test::TempDir dir;
    DaemonConfig c;
    auto st = apply_config_file(dir.file("missing.conf"), c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("missing.conf"), std::string::npos);
    std::ofstream(dir.file("bad.conf")) << "nope = 1\n";
    st = apply_config_file(dir.file("bad.conf"), c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("bad.conf: line 1"), std::string::npos);
}

TEST(ListenAddress, Parses) {
    auto a = parse_listen_address("127.0.0.1:8080");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 8080);
    a = parse_listen_address("[::1]:0");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->port, 0);
    for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "localhost:80",
                            "::1:80", "1.2.3.4:8x", "[::1]:-1"}) {
        EXPECT_FALSE(parse_listen_address(bad)) << bad;
    }
}

TEST(UnixListener, CreatesParentSetsModeAndReplacesOnlyStaleSockets) {
    test::TempDir dir;
    const std::string path = dir.file("run/domus/d.sock");
    {
        auto fd = open_unix_listener(path);
        ASSERT_TRUE(fd) << fd.error().message;
        struct stat st {};
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 0777, 0660u);
        // Someone answers on it: not replaced.
        auto second = open_unix_listener(path);
        ASSERT_FALSE(second);
        EXPECT_NE(
            second.error().message.find("API socket " + path + ": another server is listening"),
            std::string::npos);
    }
    // The listener is gone but its file stays: stale, replaced.
    auto again = open_unix_listener(path);
    EXPECT_TRUE(again) << again.error().message;

    std::ofstream(dir.file("plain")) << "x";
    EXPECT_FALSE(open_unix_listener(dir.file("plain")));
    EXPECT_FALSE(open_unix_listener(dir.file(std::string(200, 'x'))));
}

}  // namespace
}  // namespace domus::api

namespace domus::api {
namespace {

TEST(DaemonConfigNetwork, DefaultsAndKeys) {
    DaemonConfig c;
    EXPECT_EQ(c.network.bridge, "domus0");
    EXPECT_EQ(hostnet::format_subnet(c.network.subnet), "10.77.0.0/24");
    EXPECT_EQ(hostnet::format_ipv4(c.network.gateway), "10.77.0.1");
    EXPECT_FALSE(c.network.nat);
    auto st = apply_config_text("bridge = br-dom\nsubnet = 192.168.50.0/25\nnat = true\n", c);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(c.network.bridge, "br-dom");
    EXPECT_EQ(hostnet::format_ipv4(c.network.gateway), "192.168.50.1");  // follows the subnet
    EXPECT_TRUE(c.network.nat);
    st = apply_config_text("gateway = 192.168.50.126\n", c);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(hostnet::format_ipv4(c.network.gateway), "192.168.50.126");
}

TEST(DaemonConfigNetwork, BadValuesAreNamed) {
    DaemonConfig c;
    auto st = apply_config_text("subnet = 10.0.0.1/24\n", c);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("line 1: subnet \"10.0.0.1/24\" has host bits set"),
              std::string::npos)
        << st.error().message;
    c = DaemonConfig{};
    st = apply_config_text("# comment\ngateway = 10.99.0.1\nverbose = true\n", c);
    ASSERT_FALSE(st);
    // The joint check of the network keys names the last of their lines (found by the fuzzer).
    EXPECT_EQ(st.error().message.rfind("line 2: ", 0), 0u) << st.error().message;
    EXPECT_NE(st.error().message.find("gateway 10.99.0.1 is not a host address of the subnet"),
              std::string::npos)
        << st.error().message;
    DaemonConfig d;
    EXPECT_FALSE(apply_config_text("gateway = 10.77.0.255\n", d));
    EXPECT_FALSE(apply_config_text("bridge = a/b\n", d));
    EXPECT_FALSE(apply_config_text("nat = yes\n", d));
    EXPECT_FALSE(apply_config_text("gateway = 10.77.0\n", d));
}

}  // namespace
}  // namespace domus::api

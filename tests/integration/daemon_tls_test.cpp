// domusd's TCP listener speaks only HTTPS (and WSS): a certificate the daemon makes in
// <state-dir>/tls/ on its first start and reuses, which curl and the CLI verify with --cacert;
// plain HTTP and a wrong CA fail; the bearer token still decides who gets in.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int free_port() {
    return 20000 + static_cast<int>((::getpid() * 7 + ::time(nullptr)) % 20000);
}

bool have_curl() {
    return ::access("/usr/bin/curl", X_OK) == 0;
}

class DaemonTls : public ::testing::Test {
  protected:
    void SetUp() override {
        DOMUS_REQUIRE_DAEMON();
        if (!have_curl()) GTEST_SKIP() << "curl is not installed";
        port_ = free_port();
        d_ = std::make_unique<Daemon>(
            std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port_)});
        ASSERT_TRUE(d_->start()) << d_->log();
        cert_ = d_->state_dir() + "/tls/cert.pem";
        token_file_ = d_->state_dir() + "/api.token";
        std::ifstream(token_file_) >> token_;
        ASSERT_EQ(token_.size(), 64u);
    }
    std::string url(const std::string& host = "127.0.0.1") const {
        return "https://" + host + ":" + std::to_string(port_);
    }
    // curl's exit code; the HTTP status in *status.
    int curl(const std::vector<std::string>& extra, const std::string& target, int* status,
             std::string* body = nullptr) const {
        std::vector<std::string> argv{"/usr/bin/curl",  "-s",         "-o", "-", "-w",
                                      "\n%{http_code}", "--max-time", "10"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(target);
        auto r = run_process(argv, timeout_after(20));
        const size_t nl = r.out.rfind('\n');
        *status = nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
        if (body) *body = nl == std::string::npos ? r.out : r.out.substr(0, nl);
        return r.exit_code;
    }
    ProcessResult domus(std::vector<std::string> args, const RunOptions& opts = {}) const {
        std::vector<std::string> full{"--url", url(),          "--cacert",
                                      cert_,   "--token-file", token_file_};
        full.insert(full.end(), args.begin(), args.end());
        return run_domus(full, opts);
    }

    int port_ = 0;
    std::unique_ptr<Daemon> d_;
    std::string cert_, token_file_, token_;
};

TEST_F(DaemonTls, TheGeneratedCertificateIsPrivateAndReused) {
    struct stat st {};
    ASSERT_EQ(::stat((d_->state_dir() + "/tls").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((d_->state_dir() + "/tls/key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const std::string cert = read_all(cert_);
    EXPECT_NE(cert.find("BEGIN CERTIFICATE"), std::string::npos);
    auto text = run_process({"/usr/bin/openssl", "x509", "-in", cert_, "-noout", "-text"},
                            timeout_after(10));
    if (text.exit_code == 0) {
        EXPECT_NE(text.out.find("DNS:localhost"), std::string::npos) << text.out;
        EXPECT_NE(text.out.find("IP Address:127.0.0.1"), std::string::npos) << text.out;
        EXPECT_NE(text.out.find("prime256v1"), std::string::npos) << text.out;
    }
    d_->terminate();
    ASSERT_TRUE(d_->start()) << d_->log();
    EXPECT_EQ(read_all(cert_), cert);  // the same one, not a new one per start
}

TEST_F(DaemonTls, CurlWithTheCaAndTheTokenGetsIn) {
    int status = 0;
    std::string body;
    EXPECT_EQ(curl({"--cacert", cert_, "-H", "Authorization: Bearer " + token_}, url() + "/v1/host",
                   &status, &body),
              0);
    EXPECT_EQ(status, 200) << body;
    EXPECT_NE(body.find("\"version\""), std::string::npos) << body;
    // By name too: the certificate names localhost.
    EXPECT_EQ(curl({"--cacert", cert_, "-H", "Authorization: Bearer " + token_},
                   url("localhost") + "/v1/host", &status),
              0);
    EXPECT_EQ(status, 200);
    // Without the token: 401 over TLS.
    EXPECT_EQ(curl({"--cacert", cert_}, url() + "/v1/host", &status), 0);
    EXPECT_EQ(status, 401);
}

TEST_F(DaemonTls, PlainHttpAndUntrustedCertificatesFail) {
    int status = 0;
    // Plain HTTP to the TLS port: no HTTP answer (the handshake fails, the connection closes).
    EXPECT_NE(curl({"-H", "Authorization: Bearer " + token_},
                   "http://127.0.0.1:" + std::to_string(port_) + "/v1/host", &status),
              0);
    EXPECT_EQ(status, 0);
    // The system's CAs do not know the daemon's certificate: curl's 60 (peer not verified).
    EXPECT_EQ(curl({"-H", "Authorization: Bearer " + token_}, url() + "/v1/host", &status), 60);
    // A wrong CA: another self-signed certificate.
    const std::string other = d_->dir() + "/other.pem";
    auto made = run_process(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", d_->dir() + "/other.key", "-out", other, "-subj", "/CN=domusd",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1"},
        timeout_after(20));
    if (made.exit_code == 0) {
        EXPECT_EQ(curl({"--cacert", other, "-H", "Authorization: Bearer " + token_},
                       url() + "/v1/host", &status),
                  60);
        auto cli =
            run_domus({"--url", url(), "--cacert", other, "--token-file", token_file_, "list"});
        EXPECT_NE(cli.exit_code, 0);
        EXPECT_NE(cli.err.find("TLS with domusd at " + url() + " failed"), std::string::npos)
            << cli.err;
    }
    EXPECT_EQ(d_->request("GET", "/v1/host").status, 200);  // the daemon is fine
}

TEST_F(DaemonTls, TheCliWorksOverHttpsWithItsCa) {
    auto list = domus({"list"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("Domain-0"), std::string::npos) << list.out;
    const std::string cfg = d_->dir() + "/svc.cfg";
    std::ofstream(cfg) << "name = \"svc\"\nmemory = 32\ncmdline = 'service'\n";
    auto created = domus({"create", cfg});
    ASSERT_EQ(created.exit_code, 0) << created.err << d_->log();
    EXPECT_NE(domus({"list", "svc"}).out.find("running"), std::string::npos);
    // The console over WSS: a line typed in reaches the guest, whose service echoes it.
    RunOptions opts;
    opts.timeout_s = 20;
    opts.input = "hello over tls\n";
    opts.input_after_s = 0.5;
    opts.close_input_after_s = 2.0;
    auto console = domus({"console", "svc"}, opts);
    EXPECT_NE(console.out.find("service: input: hello over tls"), std::string::npos)
        << console.out << console.err;
    EXPECT_EQ(domus({"destroy", "svc"}).exit_code, 0);
    // Without the token file: a clear error, nothing sent.
    auto no_token = run_domus({"--url", url(), "--cacert", cert_, "list"});
    EXPECT_NE(no_token.exit_code, 0);
    EXPECT_NE(no_token.err.find("--token-file"), std::string::npos) << no_token.err;
    // http:// is refused by the CLI itself.
    auto plain = run_domus({"--url", "http://127.0.0.1:" + std::to_string(port_), "--token-file",
                            token_file_, "list"});
    EXPECT_NE(plain.exit_code, 0);
    EXPECT_NE(plain.err.find("only HTTPS"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace domus::test

// The TCP listener's self-signed certificate: made once with a private key, naming the hosts
// clients use, reused afterwards; and a server that cannot load its certificate does not start.
#include "api/tls_cert.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "api/http_server.hpp"
#include "fake_controller.hpp"
#include "temp_dir.hpp"

namespace domus::api {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(TlsCert, MadeOncePrivatelyNamingTheListenAddressThenReused) {
    test::TempDir dir;
    auto files = load_or_create_tls_files(dir.path(), "10.1.2.3");
    ASSERT_TRUE(files.ok()) << files.error().message;
    EXPECT_EQ(files->cert, dir.file("tls/cert.pem"));
    EXPECT_EQ(files->key, dir.file("tls/key.pem"));
    struct stat st {};
    ASSERT_EQ(::stat(dir.file("tls").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat(files->key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    FILE* f = std::fopen(files->cert.c_str(), "r");
    ASSERT_NE(f, nullptr);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "10.1.2.4", 0), 0);
    EXPECT_EQ(X509_check_host(cert, "example.com", 0, 0, nullptr), 0);
    EVP_PKEY* key = X509_get0_pubkey(cert);
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
    X509_free(cert);

    const std::string pem = read_all(files->cert);
    ::chmod(files->key.c_str(), 0644);  // loosened by someone: tightened again
    auto again = load_or_create_tls_files(dir.path(), "10.1.2.3");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(read_all(again->cert), pem);
    ASSERT_EQ(::stat(files->key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(TlsCert, AServerWithoutAUsableCertificateDoesNotStart) {
    test::TempDir dir;
    test::FakeController fake;
    ServerOptions o;
    o.unix_socket = dir.file("s.sock");
    o.tcp_listen = "127.0.0.1:0";
    o.token = std::string(64, 'a');
    o.tls_cert = dir.file("missing.pem");
    o.tls_key = dir.file("missing.key");
    auto s = HttpServer::start(fake, o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("missing.pem"), std::string::npos) << s.error().message;
    o.tls_key.clear();
    EXPECT_FALSE(HttpServer::start(fake, o).ok());  // a certificate without its key
    // A key that is not the certificate's.
    ASSERT_EQ(::mkdir(dir.file("a").c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(dir.file("b").c_str(), 0700), 0);
    auto a = load_or_create_tls_files(dir.file("a"), "");
    auto b = load_or_create_tls_files(dir.file("b"), "");
    ASSERT_TRUE(a.ok() && b.ok());
    o.tls_cert = a->cert;
    o.tls_key = b->key;
    auto mismatch = HttpServer::start(fake, o);
    ASSERT_FALSE(mismatch.ok());
    EXPECT_NE(mismatch.error().message.find(b->key), std::string::npos) << mismatch.error().message;
    // The right pair starts.
    o.tls_key = a->key;
    auto good = HttpServer::start(fake, o);
    ASSERT_TRUE(good.ok()) << good.error().message;
    EXPECT_NE((*good)->tcp_port(), 0);
}

}  // namespace
}  // namespace domus::api

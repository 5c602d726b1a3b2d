// The self-signed certificate, made with OpenSSL's EVP and X509 APIs.
#include "api/tls_cert.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>

#include "base/fd.hpp"

namespace domus::api {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Error tls_error(const std::string& what) {
    const unsigned long code = ERR_get_error();
    char buf[256] = "unknown error";
    if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return make_error(Errc::io, "cannot make the TLS certificate (" + what + "): " + buf);
}

bool add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

Result<std::string> to_pem(const std::function<int(BIO*)>& write) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) return tls_error("PEM");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

// Written to a temporary file, then linked into place: a reader never sees half a file, and of
// two daemons racing (which the state dir lock prevents anyway) the first one wins.
Status write_new_file(const std::string& path, const std::string& data, mode_t mode) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd.valid())
        return make_error(Errc::io, "cannot create " + tmp + ": " + std::strerror(errno));
    const bool ok =
        ::fchmod(fd.get(), mode) == 0 &&
        ::write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
        ::fsync(fd.get()) == 0;
    const int err = errno;
    fd.reset();
    if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return {};
    ::unlink(tmp.c_str());
    return make_error(Errc::io, "cannot write " + path + ": " + std::strerror(ok ? errno : err));
}

Result<TlsFiles> make_self_signed(const TlsFiles& files, const std::string& listen_host) {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return tls_error("EC P-256 key");
    X509Ptr cert(X509_new());
    if (!cert) return tls_error("X509_new");
    BnPtr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        return tls_error("serial number");
    }
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (!listen_host.empty() && listen_host != "0.0.0.0" && listen_host != "::" &&
        listen_host != "127.0.0.1" && listen_host != "::1") {
        san += ",IP:" + listen_host;
    }
    X509_NAME* name = X509_get_subject_name(cert.get());
    const bool ok =
        X509_set_version(cert.get(), 2) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr &&
        X509_set_pubkey(cert.get(), key.get()) == 1 &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("domusd"), -1, -1,
                                   0) == 1 &&
        X509_set_issuer_name(cert.get(), name) == 1 &&
        add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
        add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
        add_extension(cert.get(), NID_ext_key_usage, "serverAuth") &&
        add_extension(cert.get(), NID_subject_key_identifier, "hash") &&
        add_extension(cert.get(), NID_subject_alt_name, san) &&
        X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
    if (!ok) return tls_error("certificate");
    auto key_pem = to_pem([&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    if (!key_pem) return key_pem.error();
    auto cert_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    if (!cert_pem) return cert_pem.error();
    // The key first: a certificate on disk always has its key.
    if (auto st = write_new_file(files.key, *key_pem, 0600); !st) return st.error();
    if (auto st = write_new_file(files.cert, *cert_pem, 0644); !st) return st.error();
    return files;
}

}  // namespace

Result<TlsFiles> load_or_create_tls_files(const std::string& state_dir,
                                          const std::string& listen_host) {
    const std::string dir = state_dir + "/tls";
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return make_error(Errc::io, "cannot create " + dir + ": " + std::strerror(errno));
    }
    TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
    struct stat st {};
    if (::stat(files.cert.c_str(), &st) == 0 && ::stat(files.key.c_str(), &st) == 0) {
        ::chmod(files.key.c_str(), 0600);  // tighten a key someone loosened
        return files;
    }
    return make_self_signed(files, listen_host);
}

}  // namespace domus::api

// The TCP listener's certificate. Configured (`tls-cert`, `tls-key`) or, by default, a
// self-signed one domusd makes on its first start with TCP into <state-dir>/tls/ (dir 0700,
// key 0600): an EC P-256 key and a certificate valid for ten years whose subjectAltName holds
// localhost, 127.0.0.1, ::1 and the listen address (when it is a specific one). Later starts
// reuse it; clients verify it with it as their CA (`domus --cacert`, `curl --cacert`).
#pragma once

#include <string>

#include "base/result.hpp"

namespace domus::api {

struct TlsFiles {
    std::string cert;  // PEM
    std::string key;   // PEM
};

// <state-dir>/tls/cert.pem and key.pem, made when either is missing. `listen_host` is the
// numeric address of --listen (an IPv4 or IPv6 literal, without brackets).
Result<TlsFiles> load_or_create_tls_files(const std::string& state_dir,
                                          const std::string& listen_host);

}  // namespace domus::api

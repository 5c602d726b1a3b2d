// TLS to domusd's HTTPS listener, shared by the two Beast translation units (api_client.cpp
// and console.cpp) and included by nothing else: the trust settings (--cacert, else the
// system's CAs; the peer is always verified, and must name the host or address asked for),
// the connect and the handshake, with errors as the one line `domus` prints.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "cli/api_client.hpp"
#include "cli/errors.hpp"

namespace domus::cli::tls {

namespace net = boost::asio;
namespace beast = boost::beast;
using TcpStream = beast::basic_stream<net::ip::tcp>;
using TlsStream = net::ssl::stream<TcpStream>;

inline Result<std::unique_ptr<net::ssl::context>> make_context(const Endpoint& ep) {
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    ctx->set_options(net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                     net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(net::ssl::verify_peer);
    beast::error_code ec;
    if (!ep.cacert.empty()) {
        ctx->load_verify_file(ep.cacert, ec);
        if (ec) return cli_error("cannot use CA file " + ep.cacert + ": " + ec.message());
    } else {
        ctx->set_default_verify_paths(ec);
    }
    return ctx;
}

// Connects `stream` (made on `ctx`) to the endpoint and completes the TLS handshake. `run`
// runs one asynchronous operation to completion: run([&](auto handler) { start(handler); }).
template <typename Run>
Status connect(TlsStream& stream, const Endpoint& ep, std::chrono::milliseconds timeout,
               Run&& run) {
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(timeout);
    net::ip::tcp::resolver resolver(tcp.get_executor());
    beast::error_code ec;
    const auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
    if (ec) return unreachable_error(ep.url, "cannot resolve " + ep.host + ": " + ec.message());
    ec = run([&](auto handler) { tcp.async_connect(results, std::move(handler)); });
    if (ec == beast::error::timeout) {
        return unreachable_error(ep.url,
                                 "no answer within " + std::to_string(timeout.count()) + " ms");
    }
    if (ec) return unreachable_error(ep.url, ec.message());
    // The certificate must name the host (or the address) asked for.
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    beast::error_code not_ip;
    net::ip::make_address(ep.host, not_ip);
    if (!not_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl, ep.host.c_str());
        X509_VERIFY_PARAM_set1_host(param, ep.host.c_str(), 0);
    }
    ec = run([&](auto handler) {
        stream.async_handshake(net::ssl::stream_base::client, std::move(handler));
    });
    if (!ec) return {};
    const long verify = SSL_get_verify_result(ssl);
    const std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify)
                            : ec == beast::error::timeout
                                ? "no handshake within " + std::to_string(timeout.count()) + " ms"
                                : ec.message();
    return cli_error("TLS with domusd at " + ep.url + " failed: " + why +
                     " (verify its certificate with --cacert or $DOMUS_CACERT: domusd's "
                     "<state-dir>/tls/cert.pem)");
}

}  // namespace domus::cli::tls

// A real HttpServer on a Unix socket in a temp dir, backed by the fake Controller.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>
#include <memory>

#include "api/http_server.hpp"
#include "fake_controller.hpp"
#include "temp_dir.hpp"
#include "test_client.hpp"

namespace domus::api::test {

class ServerTest : public ::testing::Test {
  protected:
    void start(const std::function<void(ServerOptions&)>& tweak = {}) {
        ServerOptions o;
        o.unix_socket = socket_path();
        o.worker_threads = 2;
        if (tweak) tweak(o);
        auto s = HttpServer::start(fake, o);
        ASSERT_TRUE(s) << s.error().message;
        server = std::move(*s);
    }
    std::string socket_path() const { return dir.file("domusd.sock"); }
    HttpConn connect() {
        HttpConn c = HttpConn::unix_socket(socket_path());
        EXPECT_TRUE(c.connected());
        return c;
    }
    static std::string error_code(const Response& r) {
        return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    }
    static std::string error_message(const Response& r) {
        return std::string(boost::json::parse(r.body).at("error").at("message").as_string());
    }

    TempDir dir;
    FakeController fake;
    std::unique_ptr<HttpServer> server;
};

}  // namespace domus::api::test

// The console WebSocket relays both ways through the fd console_attach gave.
#include <poll.h>
#include <sys/socket.h>

#include "server_fixture.hpp"

namespace domus::api::test {
namespace {

// Reads what the server relayed into the console socket (the test's end).
std::string read_peer(const Fd& fd, size_t want, std::chrono::milliseconds timeout = 5s) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

bool peer_sees_eof(const Fd& fd) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char c;
    return ::recv(fd.get(), &c, 1, 0) == 0;
}

class ConsoleTest : public ServerTest {
  protected:
    void SetUp() override {
        start();
        HttpConn c = connect();
        ASSERT_EQ(c.request("POST", "/v1/domains?start=true", R"({"name":"web1"})")->status, 201);
    }
};

TEST_F(ConsoleTest, RelaysBothWaysAndClosesWhenTheConsoleEnds) {
    auto ws = WsClient::connect(socket_path(), "/v1/domains/web1/console/ws");
    ASSERT_TRUE(ws);
    Fd peer = fake.take_console_peer();
    ASSERT_TRUE(peer.valid());

    const std::string out = "Domus guest booting\r\n";
    ASSERT_EQ(::send(peer.get(), out.data(), out.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(out.size()));
    EXPECT_EQ(ws->read(), out);

    ASSERT_TRUE(ws->write("ls\n", false));  // text frame
    EXPECT_EQ(read_peer(peer, 3), "ls\n");
    ASSERT_TRUE(ws->write(std::string("\x03\x00\xff", 3), true));  // binary frame
    EXPECT_EQ(read_peer(peer, 3), std::string("\x03\x00\xff", 3));

    peer.reset();  // the monitor's console went away
    EXPECT_FALSE(ws->read());
    EXPECT_TRUE(ws->closed());
}

// ?tail=N: the console's last lines come first, then the live output.
TEST_F(ConsoleTest, ScrollbackComesFirstWhenAsked) {
    auto ws = WsClient::connect(socket_path(), "/v1/domains/web1/console/ws?tail=2");
    ASSERT_TRUE(ws);
    Fd peer = fake.take_console_peer();
    ASSERT_TRUE(peer.valid());
    EXPECT_EQ(fake.last_tail, 2u);
    EXPECT_EQ(ws->read(), "line 1\nline 2\n");
    const std::string out = "live\n";
    ASSERT_EQ(::send(peer.get(), out.data(), out.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(out.size()));
    EXPECT_EQ(ws->read(), out);
    int status = 0;
    EXPECT_FALSE(WsClient::connect(socket_path(), "/v1/domains/web1/console/ws?tail=0", &status));
    EXPECT_EQ(status, 400);
    EXPECT_FALSE(WsClient::connect(socket_path(), "/v1/domains/web1/console/ws?x=1", &status));
    EXPECT_EQ(status, 400);
}

TEST_F(ConsoleTest, ClientCloseClosesTheConsole) {
    auto ws = WsClient::connect(socket_path(), "/v1/domains/web1/console/ws");
    ASSERT_TRUE(ws);
    Fd peer = fake.take_console_peer();
    ws->close();
    EXPECT_TRUE(peer_sees_eof(peer));
}

TEST_F(ConsoleTest, UnknownDomainIs404WithoutUpgrade) {
    int status = 0;
    EXPECT_FALSE(WsClient::connect(socket_path(), "/v1/domains/ghost/console/ws", &status));
    EXPECT_EQ(status, 404);
}

TEST_F(ConsoleTest, PlainGetIs400) {
    HttpConn c = connect();
    auto r = c.request("GET", "/v1/domains/web1/console/ws");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(error_code(*r), "bad_request");
}

}  // namespace
}  // namespace domus::api::test

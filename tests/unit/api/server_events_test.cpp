// GET /v1/events: immediate answers, long-poll wake-up and timeout, server-sent events.
#include <thread>

#include "server_fixture.hpp"

namespace domus::api::test {
namespace {

using Clock = std::chrono::steady_clock;

TEST_F(ServerTest, EventsAnswerAtOnceWhenThereAreSome) {
    start();
    fake.add_event("w", "created");
    fake.add_event("w", "started");
    HttpConn c = connect();
    auto r = c.request("GET", "/v1/events?after=1&timeout=30");
    ASSERT_TRUE(r);
    const auto doc = boost::json::parse(r->body);
    ASSERT_EQ(doc.at("events").as_array().size(), 1u);
    EXPECT_EQ(doc.at("events").as_array()[0].at("type").as_string(), "started");
    EXPECT_EQ(doc.at("last_id").as_int64(), 2);
}

TEST_F(ServerTest, LongPollWakesUpOnANewEvent) {
    start();
    HttpConn c = connect();
    const auto t0 = Clock::now();
    ASSERT_TRUE(c.send(make_request("GET", "/v1/events?after=0&timeout=30")));
    EXPECT_FALSE(c.read_response(300ms));  // nothing yet: it waits
    fake.add_event("web1", "started");
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_LT(Clock::now() - t0, 5s);
    const auto doc = boost::json::parse(r->body);
    ASSERT_EQ(doc.at("events").as_array().size(), 1u);
    EXPECT_EQ(doc.at("events").as_array()[0].at("domain").as_string(), "web1");
    EXPECT_EQ(doc.at("last_id").as_int64(), 1);
    // The connection is usable afterwards.
    EXPECT_EQ(c.request("GET", "/v1/host")->status, 200);
}

TEST_F(ServerTest, LongPollTimesOutWithNoEvents) {
    start();
    fake.add_event("w", "created");
    HttpConn c = connect();
    const auto t0 = Clock::now();
    auto r = c.request("GET", "/v1/events?after=1&timeout=1");
    ASSERT_TRUE(r);
    const auto waited = Clock::now() - t0;
    EXPECT_GE(waited, 900ms);
    EXPECT_LT(waited, 4s);
    EXPECT_EQ(r->body, "{\"events\":[],\"last_id\":1}\n");
}

TEST_F(ServerTest, ManyLongPollsDoNotBlockOtherRequests) {
    start([](ServerOptions& o) {
        o.io_threads = 1;
        o.worker_threads = 1;
    });
    std::vector<HttpConn> polls;
    for (int i = 0; i < 20; ++i) {
        polls.push_back(connect());
        ASSERT_TRUE(polls.back().send(make_request("GET", "/v1/events?timeout=30")));
    }
    HttpConn c = connect();
    const auto t0 = Clock::now();
    EXPECT_EQ(c.request("GET", "/v1/host")->status, 200);
    EXPECT_LT(Clock::now() - t0, 2s);
    fake.add_event("w", "started");
    for (auto& p : polls) {
        auto r = p.read_response(5s);
        ASSERT_TRUE(r);
        EXPECT_EQ(boost::json::parse(r->body).at("last_id").as_int64(), 1);
    }
}

TEST_F(ServerTest, ServerSentEvents) {
    start([](ServerOptions& o) { o.sse_keepalive = 200ms; });
    fake.add_event("w", "created");
    HttpConn c = connect();
    ASSERT_TRUE(c.send(make_request("GET", "/v1/events", "", {"Accept: text/event-stream"})));
    ASSERT_TRUE(c.wait_for("\"type\":\"created\",\"detail\":\"\"}\n\n", 3s)) << c.take();
    std::string got = c.take();
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("Content-Type: text/event-stream\r\n"), std::string::npos);
    EXPECT_NE(got.find("\r\n\r\nid: 1\nevent: created\ndata: {\"id\":1,"), std::string::npos)
        << got;

    fake.add_event("web1", "started");
    ASSERT_TRUE(c.wait_for("}\n\n", 3s)) << c.take();
    got = c.take();
    EXPECT_EQ(got.rfind("id: 2\nevent: started\ndata: {", 0), 0u) << got;
    EXPECT_NE(got.find("\"domain\":\"web1\""), std::string::npos) << got;

    EXPECT_TRUE(c.wait_for(": keep-alive\n\n", 3s)) << c.take();
}

TEST_F(ServerTest, ServerSentEventsResumeFromLastEventId) {
    start();
    for (int i = 0; i < 3; ++i) fake.add_event("w", "e" + std::to_string(i));
    HttpConn c = connect();
    ASSERT_TRUE(c.send(
        make_request("GET", "/v1/events", "", {"Accept: text/event-stream", "Last-Event-ID: 2"})));
    ASSERT_TRUE(c.wait_for("\"type\":\"e2\",\"detail\":\"\"}\n\n", 3s)) << c.take();
    const std::string got = c.take();
    EXPECT_EQ(got.find("id: 1\n"), std::string::npos) << got;
    EXPECT_EQ(got.find("id: 2\n"), std::string::npos) << got;
    EXPECT_NE(got.find("id: 3\nevent: e2\n"), std::string::npos) << got;
}

TEST_F(ServerTest, ServerSentEventsEndWhenTheClientGoes) {
    // One connection slot: while the stream holds it, a second client is refused; once the
    // stream's client has gone (noticed at the next keep-alive write at the latest), the slot
    // is free again.
    start([](ServerOptions& o) {
        o.max_connections_unix = 1;
        o.sse_keepalive = std::chrono::milliseconds(50);
    });
    {
        HttpConn c = connect();
        ASSERT_TRUE(c.send(make_request("GET", "/v1/events", "", {"Accept: text/event-stream"})));
        ASSERT_TRUE(c.wait_for("\r\n\r\n", 3s));
        HttpConn refused = connect();
        auto r = refused.request("GET", "/v1/host");
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->status, 503) << "the stream did not hold its slot";
    }
    fake.add_event("w", "started");
    int status = 0;
    for (int i = 0; i < 150 && status != 200; ++i) {  // up to 3 s
        HttpConn d = connect();
        auto r = d.request("GET", "/v1/host");
        status = r ? r->status : 0;
        if (status != 200) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(status, 200) << "the stream's slot was not released";
}

}  // namespace
}  // namespace domus::api::test

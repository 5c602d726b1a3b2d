// execute(): statuses per route and error mapping, against the fake Controller.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "api/dispatch.hpp"
#include "fake_controller.hpp"

namespace domus::api {
namespace {

class DispatchTest : public ::testing::Test {
  protected:
    HttpReply run(std::string_view method, std::string_view target, std::string_view body = "") {
        Translation t = translate(HttpInput{method, target, body, "", ""});
        EXPECT_TRUE(t.ok()) << t.error.message;
        if (!t.ok()) return error_reply(t.error);
        return execute(fake, *t.request);
    }
    static std::string code_of(const HttpReply& r) {
        return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    }
    test::FakeController fake;
};

TEST_F(DispatchTest, CreateIs201WithLocation) {
    const HttpReply r = run("POST", "/v1/domains", R"({"name":"web1"})");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.content_type, "application/json");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Location", "/v1/domains/web1"}));
    EXPECT_EQ(boost::json::parse(r.body).at("state").as_string(), "stopped");
    EXPECT_EQ(boost::json::parse(run("POST", "/v1/domains?start=true", R"({"name":"web2"})").body)
                  .at("state")
                  .as_string(),
              "running");
}

TEST_F(DispatchTest, ImagesAreCreatedWith201AndListed) {
    HttpReply r = run("POST", "/v1/images", R"({"name":"a.img","size":"1M"})");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"({"name":"a.img","path":"/images/a.img","size":1048576,"used_by":[]})"
                      "\n");
    fake.images.back().used_by = {"web1"};
    r = run("POST", "/v1/images", R"({"name":"a.img","size":"1M"})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code_of(r), "conflict");
    r = run("GET", "/v1/images");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"images":[{"name":"a.img","path":"/images/a.img","size":1048576,)"
                      R"("used_by":["web1"]}]})"
                      "\n");
}

TEST_F(DispatchTest, ListPutsDomain0First) {
    run("POST", "/v1/domains", R"({"name":"web1"})");
    const auto doc = boost::json::parse(run("GET", "/v1/domains").body);
    const auto& list = doc.at("domains").as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("name").as_string(), "Domain-0");
    EXPECT_EQ(list[1].at("name").as_string(), "web1");
}

TEST_F(DispatchTest, CachedListBodyIsTheSameAsAFreshOne) {
    run("POST", "/v1/domains", R"({"name":"web1"})");
    ListBodyCache cache;
    Translation t = translate(HttpInput{"GET", "/v1/domains", "", "", ""});
    ASSERT_TRUE(t.ok());
    const HttpReply cached = execute(fake, *t.request, &cache);
    EXPECT_EQ(cached.status, 200);
    EXPECT_EQ(cached.text(), run("GET", "/v1/domains").text());
    ASSERT_NE(cached.shared_body, nullptr);  // the cache's own buffer, not a copy
}

TEST(ListBodyCache, ReusesTheBodyOnlyForTheSameSnapshot) {
    auto list = std::make_shared<control::DomainList>(1);
    (*list)[0].record.config.name = "a";
    std::shared_ptr<const control::DomainList> one = list;
    ListBodyCache cache;
    const auto b1 = cache.body_for(one);
    EXPECT_EQ(cache.body_for(one), b1);  // the same object: not serialised again
    EXPECT_NE(b1->find("\"a\""), std::string::npos) << *b1;

    auto changed = std::make_shared<control::DomainList>(*list);
    (*changed)[0].record.config.name = "b";
    const auto b2 = cache.body_for(changed);
    EXPECT_NE(b2, b1);
    EXPECT_NE(b2->find("\"b\""), std::string::npos) << *b2;
    EXPECT_EQ(b2->find("\"a\""), std::string::npos) << *b2;
    // An earlier snapshot handed in again is serialised again, never served a newer body.
    EXPECT_EQ(*cache.body_for(one), *b1);
}

TEST(NeverBlocks, OnlyRoutesServedFromMemory) {
    EXPECT_TRUE(never_blocks(RouteId::list_domains));
    EXPECT_TRUE(never_blocks(RouteId::host));
    EXPECT_TRUE(never_blocks(RouteId::metrics));
    EXPECT_TRUE(never_blocks(RouteId::openapi));
    for (RouteId r :
         {RouteId::create_domain, RouteId::get_domain, RouteId::patch_domain,
          RouteId::delete_domain, RouteId::domain_action, RouteId::console_tail, RouteId::events,
          RouteId::console_ws, RouteId::list_images, RouteId::create_image}) {
        EXPECT_FALSE(never_blocks(r));
    }
}

TEST_F(DispatchTest, ActionStatuses) {
    run("POST", "/v1/domains", R"({"name":"w"})");
    EXPECT_EQ(run("POST", "/v1/domains/w/start").status, 200);
    EXPECT_EQ(run("POST", "/v1/domains/w/pause").status, 200);
    EXPECT_EQ(run("POST", "/v1/domains/w/unpause").status, 200);
    EXPECT_EQ(run("POST", "/v1/domains/w/reboot").status, 202);
    const HttpReply r = run("POST", "/v1/domains/w/shutdown?timeout=7");
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(boost::json::parse(r.body).at("state").as_string(), "shutting-down");
    EXPECT_EQ(fake.last_options.shutdown_timeout, std::chrono::seconds(7));
    EXPECT_EQ(run("POST", "/v1/domains/w/destroy").status, 200);
}

TEST_F(DispatchTest, DeleteIs204WithoutBody) {
    run("POST", "/v1/domains", R"({"name":"w"})");
    const HttpReply r = run("DELETE", "/v1/domains/w");
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(run("DELETE", "/v1/domains/w").status, 404);
}

TEST_F(DispatchTest, ControllerErrorsPassThrough) {
    HttpReply r = run("GET", "/v1/domains/ghost");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(code_of(r), "not_found");
    r = run("POST", "/v1/domains/Domain-0/start");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(code_of(r), "forbidden");
    run("POST", "/v1/domains", R"({"name":"w"})");
    r = run("POST", "/v1/domains", R"({"name":"w"})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(boost::json::parse(r.body).at("error").at("field").as_string(), "name");
    r = run("POST", "/v1/domains", R"({"name":"big","memory":8192})");
    EXPECT_EQ(code_of(r), "insufficient_capacity");
    run("POST", "/v1/domains", R"({"name":"dead"})");
    r = run("POST", "/v1/domains/dead/pause");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(code_of(r), "unavailable");
}

TEST_F(DispatchTest, ThrowingControllerIs500) {
    fake.throw_on_list = true;
    const HttpReply r = run("GET", "/v1/domains");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(code_of(r), "internal");
}

TEST_F(DispatchTest, BadStatusFromControllerBecomesInternal) {
    const HttpReply r = error_reply(control::ApiError{200, "weird", "not an error", {}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(code_of(r), "internal");
    const HttpReply e = error_reply(control::ApiError{405, "method_not_allowed", "x", {}}, "GET");
    ASSERT_EQ(e.headers.size(), 1u);
    EXPECT_EQ(e.headers[0].first, "Allow");
}

TEST_F(DispatchTest, TextRoutes) {
    run("POST", "/v1/domains", R"({"name":"w"})");
    HttpReply r = run("GET", "/v1/domains/w/console?tail=5");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(r.body, "line 1\nline 2\n");
    EXPECT_EQ(fake.last_tail, 5u);
    r = run("GET", "/metrics");
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
    EXPECT_EQ(r.body, "domus_domains{state=\"running\"} 1\n");
    r = run("GET", "/openapi.json");
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(boost::json::parse(r.body).at("openapi").as_string(), "3.0.3");
}

TEST_F(DispatchTest, HostAndEvents) {
    EXPECT_EQ(boost::json::parse(run("GET", "/v1/host").body).at("backend").as_string(), "PVM");
    fake.add_event("w", "started");
    fake.add_event("w", "stopped");
    const auto doc = boost::json::parse(run("GET", "/v1/events?after=1").body);
    EXPECT_EQ(doc.at("events").as_array().size(), 1u);
    EXPECT_EQ(doc.at("last_id").as_int64(), 2);
}

}  // namespace
}  // namespace domus::api

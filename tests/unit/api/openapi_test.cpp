// openapi.json documents exactly the routes the router serves.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "api/openapi.hpp"
#include "api/routes.hpp"

namespace domus::api {
namespace {

using Op = std::pair<std::string, std::string>;  // (lowercase method, path)

TEST(OpenApi, IsAnOpenApi3Document) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(openapi_json(), ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 2), "3.");
    const auto& schemas = doc.at("components").at("schemas").as_object();
    for (const char* name : {"Domain", "DomainConfig", "Host", "Event", "Error"}) {
        EXPECT_TRUE(schemas.contains(name)) << name;
    }
}

TEST(OpenApi, EveryRouteIsDocumentedAndNothingElse) {
    const auto doc = boost::json::parse(openapi_json());
    std::set<Op> documented;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [key, value] : item.as_object()) {
            if (key == "parameters" || key == "summary" || key == "description") continue;
            documented.emplace(std::string(key), std::string(path));
        }
    }
    std::set<Op> served;
    for (const RouteSpec& r : route_table()) {
        std::string method = r.method;
        for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
        served.emplace(method, r.path);
    }
    EXPECT_EQ(documented, served);
}

TEST(OpenApi, DisksAndImagesAreDocumented) {
    const auto doc = boost::json::parse(openapi_json());
    const auto& schemas = doc.at("components").at("schemas");
    for (const char* config : {"DomainConfig", "DomainConfigPatch"}) {
        const auto& disks = schemas.at(config).at("properties").at("disks");
        EXPECT_EQ(disks.at("maxItems").as_int64(), 6) << config;
        EXPECT_EQ(disks.at("items").at("$ref").as_string(), "#/components/schemas/DiskConfig");
    }
    std::set<std::string> fields;
    for (const auto& [key, value] : schemas.at("DiskConfig").at("properties").as_object()) {
        fields.emplace(key);
    }
    EXPECT_EQ(fields,
              (std::set<std::string>{"path", "vdev", "read_only", "bytes_per_sec", "ops_per_sec"}));
    EXPECT_TRUE(schemas.at("Disk").at("properties").as_object().contains("guest"));
    bool domain_requires_disks = false;
    for (const auto& f : schemas.at("Domain").at("required").as_array()) {
        domain_requires_disks |= f.as_string() == "disks";
    }
    EXPECT_TRUE(domain_requires_disks);
    std::set<std::string> image_fields;
    for (const auto& [key, value] : schemas.at("ImageRequest").at("properties").as_object()) {
        image_fields.emplace(key);
    }
    EXPECT_EQ(image_fields, (std::set<std::string>{"name", "size", "from_dir"}));
    EXPECT_TRUE(
        doc.at("paths").at("/v1/images").at("post").at("responses").as_object().contains("409"));
}

TEST(OpenApi, QueryParametersAreDocumented) {
    const auto doc = boost::json::parse(openapi_json());
    const auto names = [&](const char* path, const char* method) {
        std::set<std::string> out;
        for (const auto& p : doc.at("paths").at(path).at(method).at("parameters").as_array()) {
            if (p.at("in").as_string() == "query") out.emplace(p.at("name").as_string());
        }
        return out;
    };
    EXPECT_EQ(names("/v1/domains", "post"), std::set<std::string>{"start"});
    EXPECT_EQ(names("/v1/domains/{name}/shutdown", "post"), std::set<std::string>{"timeout"});
    EXPECT_EQ(names("/v1/domains/{name}/console", "get"), std::set<std::string>{"tail"});
    EXPECT_EQ(names("/v1/events", "get"), (std::set<std::string>{"after", "timeout"}));
}

}  // namespace
}  // namespace domus::api

// ApiClient's API-level calls: status checks and JSON decoding, on top of send().
#include <boost/json.hpp>

#include "cli/api_client.hpp"
#include "cli/errors.hpp"

namespace domus::cli {

Result<std::string> ApiClient::call(Method method, const std::string& target,
                                    const std::string& json_body) {
    auto res = send(method, target, json_body);
    if (!res) return std::move(res).error();
    if (res->status < 200 || res->status >= 300) {
        return api_error(res->status, res->reason, res->body);
    }
    return std::move(res->body);
}

Result<boost::json::value> ApiClient::call_json(Method method, const std::string& target,
                                                const std::string& json_body) {
    auto body = call(method, target, json_body);
    if (!body) return std::move(body).error();
    boost::system::error_code ec;
    auto value = boost::json::parse(*body, ec);
    if (ec) {
        return cli_error("domusd sent a response that is not JSON (" + target +
                         "): " + ec.message());
    }
    return value;
}

std::string domain_path(const std::string& name, const std::string& suffix) {
    return "/v1/domains/" + name + suffix;
}

}  // namespace domus::cli

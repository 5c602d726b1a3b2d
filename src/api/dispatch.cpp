// ApiRequest -> Controller call -> HttpReply.
#include "api/dispatch.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <exception>

#include "api/json_views.hpp"
#include "api/openapi.hpp"

namespace domus::api {
namespace {

using control::Action;

HttpReply domain_reply(const control::ApiResult<control::DomainView>& r, int status) {
    if (!r.ok()) return error_reply(r.error());
    return json_reply(status, domain_json(r.value()));
}

HttpReply text_reply(std::string body, std::string content_type) {
    HttpReply r;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

// Serialised domain by domain into one buffer: no document tree of the whole list.
std::string list_body(const control::DomainList& list) {
    std::string body = "{\"domains\":[";
    bool first = true;
    for (const auto& d : list) {
        if (!first) body += ',';
        first = false;
        body += boost::json::serialize(domain_json(d));
    }
    body += "]}\n";
    return body;
}

HttpReply run(control::Controller& c, const ApiRequest& req, ListBodyCache* cache,
              const ApiMetrics* api_metrics) {
    switch (req.route) {
        case RouteId::list_domains: {
            // The daemon's hottest route (docs/performance.md): an unchanged list is not
            // serialised again.
            const auto list = c.list_domains();
            if (cache == nullptr) return text_reply(list_body(*list), "application/json");
            HttpReply r = text_reply({}, "application/json");
            r.shared_body = cache->body_for(list);
            return r;
        }
        case RouteId::create_domain: {
            HttpReply r = domain_reply(c.create_domain(req.config, req.start), 201);
            if (r.status == 201)
                r.headers.emplace_back("Location", "/v1/domains/" + req.config.name);
            return r;
        }
        case RouteId::get_domain:
            return domain_reply(c.get_domain(req.name), 200);
        case RouteId::patch_domain:
            return domain_reply(c.patch_domain(req.name, req.patch), 200);
        case RouteId::delete_domain: {
            const auto r = c.delete_domain(req.name);
            if (!r.ok()) return error_reply(r.error());
            HttpReply reply;
            reply.status = 204;
            reply.content_type.clear();
            return reply;
        }
        case RouteId::vcpu_pin:
            return domain_reply(c.pin_vcpu(req.name, req.pin.vcpu, req.pin.cpus), 200);
        case RouteId::domain_action: {
            const bool async = req.action == Action::shutdown || req.action == Action::reboot;
            return domain_reply(c.act(req.name, req.action, req.options), async ? 202 : 200);
        }
        case RouteId::console_tail: {
            auto r = c.console_tail(req.name, req.tail);
            if (!r.ok()) return error_reply(r.error());
            return text_reply(std::move(r.value()), "text/plain; charset=utf-8");
        }
        case RouteId::dump_core: {
            auto r = c.dump_core(req.name);
            if (!r.ok()) return error_reply(r.error());
            HttpReply reply = text_reply({}, "application/octet-stream");
            reply.file = std::make_shared<Fd>(std::move(r.value()));
            reply.headers.emplace_back("Content-Disposition",
                                       "attachment; filename=\"" + req.name + ".core\"");
            return reply;
        }
        case RouteId::host:
            return json_reply(200, host_json(c.host()));
        case RouteId::events:
            return json_reply(
                200, events_json(c.events_after(req.after, kMaxEventsPerResponse), req.after));
        case RouteId::metrics:
            return text_reply(c.metrics() + (api_metrics ? api_metrics->expose() : std::string()),
                              "text/plain; version=0.0.4");
        case RouteId::openapi:
            return text_reply(std::string(openapi_json()), "application/json");
        case RouteId::list_images: {
            auto r = c.list_images();
            if (!r.ok()) return error_reply(r.error());
            boost::json::array list;
            for (const auto& i : r.value()) list.push_back(image_json(i));
            return json_reply(200, boost::json::object{{"images", std::move(list)}});
        }
        case RouteId::create_image: {
            auto r = c.create_image(req.image);
            if (!r.ok()) return error_reply(r.error());
            return json_reply(201, image_json(r.value()));
        }
        case RouteId::console_ws:
            return error_reply(400, "bad_request",
                               "GET /v1/domains/{name}/console/ws needs a WebSocket upgrade");
        case RouteId::session_create:
        case RouteId::session_delete:  // the server's own (session.cpp, web_session.hpp)
            return error_reply(400, "bad_request", "sessions exist on the TCP listener only");
    }
    return error_reply(500, "internal", "unhandled route");
}

}  // namespace

std::shared_ptr<const std::string> ListBodyCache::body_for(
    const std::shared_ptr<const control::DomainList>& list) {
    {
        std::lock_guard lock(mu_);
        if (key_ == list && body_) return body_;
    }
    auto body = std::make_shared<const std::string>(list_body(*list));
    std::lock_guard lock(mu_);
    key_ = list;
    body_ = body;
    return body;
}

bool never_blocks(RouteId route) {
    return route == RouteId::list_domains || route == RouteId::host || route == RouteId::metrics ||
           route == RouteId::openapi;
}

HttpReply execute(control::Controller& controller, const ApiRequest& request, ListBodyCache* cache,
                  const ApiMetrics* api_metrics) {
    try {
        return run(controller, request, cache, api_metrics);
    } catch (const std::exception& e) {
        return error_reply(500, "internal", std::string("controller failed: ") + e.what());
    } catch (...) {
        return error_reply(500, "internal", "controller failed with an unknown exception");
    }
}

}  // namespace domus::api

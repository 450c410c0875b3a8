// GET /api/v1/stream: Server-Sent Events of state changes, events and cluster changes, from
// one shared etcd watch (StreamHub). The handler only checks the request and answers with a
// stream; it runs on the loop (no etcd call), where the hub lives.

#include <charconv>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "api/v1/stream_hub.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace ninevolt::api::v1 {
namespace {

std::optional<int64_t> parseRevision(std::string_view text) {
  text = common::trim(text);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

Response openStream(const Context& ctx, const Request& request) {
  if (ctx.authorize) {
    // EventSource cannot set headers: this route also takes ?access_token= (the same
    // constant-time check, through the same authorizer).
    const Request* subject = &request;
    Request with_token;
    if (requestToken(request).empty()) {
      if (auto token = request.queryValue("access_token"); token && !token->empty()) {
        with_token = request;
        with_token.headers["x-access-token"] = *token;
        subject = &with_token;
      }
    }
    if (auto denied = ctx.authorize(*subject, Access::kRead)) {
      return *denied;
    }
  }
  config::Problems problems;
  std::vector<std::string> unknown;
  auto kinds = parseStreamKinds(request.queryValue("types").value_or(""), unknown);
  for (const auto& u : unknown) {
    badParam(problems, "types",
             fmt::format("unknown type '{}'; any of state, event, cluster", common::printable(u)));
  }
  // A reconnecting EventSource sends Last-Event-ID and still has ?since= of its first URL:
  // the header wins.
  std::optional<int64_t> since;
  if (const auto* last = request.header("last-event-id");
      last != nullptr && !common::trim(*last).empty()) {
    since = parseRevision(*last);
    if (!since) {
      problems.push_back({"", "header", "Last-Event-ID",
                          fmt::format("'{}' is not an event id of this stream (a revision)",
                                      common::printable(*last))});
    }
  } else if (auto text = request.queryValue("since"); text && !text->empty()) {
    since = parseRevision(*text);
    if (!since) {
      badParam(problems, "since",
               fmt::format("'{}' is not a revision (a whole number)", common::printable(*text)));
    }
  }
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  if (ctx.stream->full()) {
    auto r = Response::error(
        503, fmt::format("too many open streams on this member (at most {}); retry later",
                         ctx.stream->options().max_streams));
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass each message on at once
  r.stream = [hub = ctx.stream, kinds, since](std::shared_ptr<StreamSink> sink) {
    hub->attach(std::move(sink), kinds, since);
  };
  return r;
}

}  // namespace

void addStreamRoutes(Router& router, const Context& context) {
  if (!context.stream) {
    return;
  }
  // Open at the router: the handler authorizes itself (headers or ?access_token=).
  router.get("/api/v1/stream", [context](const Request& r) { return openStream(context, r); },
             {.access = Access::kOpen});
}

}  // namespace ninevolt::api::v1

// GET /api/v1/event[?type=error,warning&since=...&limit=N]: the cluster event log, newest
// first (Store::listEvents reads it in pages at one revision and stops at the limit).

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"

namespace ninevolt::api::v1 {
namespace {

constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 10000;

Response listEvents(const Context& ctx, const Request& request) {
  config::Problems problems;
  store::EventFilter filter;
  filter.types = splitList(request.queryValue("type").value_or(""));
  filter.limit = limitParam(request, kDefaultLimit, kMaxLimit, problems);
  if (auto since = request.queryValue("since"); since && !since->empty()) {
    // An RFC 3339 time, or a duration back from now ("15m").
    auto t = common::parseRfc3339(*since);
    auto d = t ? Result<common::Nanos>(common::Nanos(0)) : common::parseDuration(*since);
    if (t) {
      filter.since = *t;
    } else if (d && d->count() > 0) {
      filter.since = std::chrono::time_point_cast<common::SystemTime::duration>(
          std::chrono::system_clock::now() - *d);
    } else if (d) {
      badParam(problems, "since",
               fmt::format("'{}': a duration back from now must be longer than 0",
                           common::printable(*since)));
    } else {
      // Say what is wrong with it as the kind of value it looks like: a date or a duration.
      const bool date_like = since->size() >= 5 && (*since)[4] == '-';
      badParam(problems, "since",
               fmt::format("{} (an RFC 3339 time like 2026-11-25T10:04:05Z, or a duration like "
                           "15m)",
                           date_like ? t.error().message : d.error().message));
    }
  }
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  auto events = ctx.store->listEvents(filter);
  if (!events) {
    return storeError(events.error());
  }
  auto out = nlohmann::json::array();
  for (const auto& e : *events) {
    out.push_back(e.event.toJson());
  }
  return Response::json(200, common::dumpJson(out));
}

}  // namespace

void addEventRoutes(Router& router, const Context& context) {
  router.get("/api/v1/event", [context](const Request& r) { return listEvents(context, r); },
             {.blocking = true});
}

}  // namespace ninevolt::api::v1

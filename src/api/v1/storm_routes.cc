// GET /api/v1/storm: the alert storms the alerters are in or were in lately (store/storm.h,
// docs/alerting.md "Storm digests"; docs/api.md "Storms"), read from etcd: any member answers.

#include <nlohmann/json.hpp>

#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/clock.h"
#include "common/printable.h"
#include "store/storm_store.h"

namespace ninevolt::api::v1 {
namespace {

using nlohmann::json;

json batchJson(const store::StormBatch& b) {
  json checks = json::array();
  for (const auto& [check, status] : b.checks) {
    checks.push_back({{"check", check}, {"status", status}});
  }
  return {{"critical", b.critical},
          {"warning", b.warning},
          {"recovered", b.recovered},
          {"checks", std::move(checks)},
          {"more", b.more},
          {"since", b.empty() ? json() : json(common::formatRfc3339(b.first))}};
}

Response listStorms(const Context& ctx) {
  auto all = store::StormStore(ctx.store).loadAll();
  if (!all) {
    return storeError(all.error());
  }
  json out = json::array();
  for (const auto& [alerter, stored] : *all) {
    if (!stored.record || stored.record->storms.empty()) {
      continue;  // only a rate: no storm
    }
    json storms = json::array();
    for (auto it = stored.record->storms.rbegin(); it != stored.record->storms.rend(); ++it) {
      const store::Storm& s = it->second;
      json sending;
      if (s.outbox) {
        sending = {{"digest", s.outbox->n},
                   {"by", s.outbox->by},
                   {"since", common::formatRfc3339(s.outbox->at)},
                   {"changes", batchJson(s.outbox->batch)}};
      }
      storms.push_back({{"storm", it->first},
                        {"since", common::formatRfc3339(s.since)},
                        {"last_failure", common::formatRfc3339(s.last)},
                        {"still_failing", s.open},
                        {"worst", s.worst},
                        {"digests_sent", s.outbox ? s.digests - 1 : s.digests},
                        {"pending", batchJson(s.pending)},
                        {"sending", std::move(sending)}});
    }
    out.push_back({{"alerter", alerter}, {"storms", std::move(storms)}});
  }
  return Response::json(200, common::dumpJson(out));
}

}  // namespace

void addStormRoutes(Router& router, const Context& context) {
  router.get(
      "/api/v1/storm", [ctx = context](const Request&) { return listStorms(ctx); },
      RouteOptions{.blocking = true});
}

}  // namespace ninevolt::api::v1

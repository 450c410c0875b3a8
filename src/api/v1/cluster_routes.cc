// GET /api/v1/cluster and GET /api/v1/orphans, read from etcd (any member answers).
//
// Orphans are not stored: the director knows them only in memory. They are computed here
// with the director's own rule (cluster::place) from the members and monitors in etcd, so
// every member gives the same answer the director would.

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "cluster/placement.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "config/spec.h"
#include "store/assignment_shard.h"
#include "store/untrusted.h"

namespace ninevolt::api::v1 {
namespace {

struct Orphan {
  std::string name;
  std::string member_tag;
};

Result<std::vector<Orphan>> findOrphans(const Context& ctx,
                                        const std::vector<store::MemberInfo>& members) {
  const auto& keys = ctx.store->keys();
  auto monitors = ctx.store->listRecords(store::RecordKind::kMonitor, 1000);
  if (!monitors) {
    return tl::unexpected(monitors.error());
  }
  std::vector<cluster::MemberView> views;
  for (const auto& m : members) {
    views.push_back({m.id, m.tags});
  }
  // With members present only tagged checks can be orphans: parse just those (a cheap text
  // test first keeps 100k untagged monitors from being parsed at all).
  std::vector<cluster::CheckView> checks;
  std::map<std::string, std::string> tags;
  for (const auto& kv : monitors->kvs) {
    if (!views.empty() && kv.value.find("member-tag") == std::string::npos) {
      continue;
    }
    auto name = store::nameFromKey(keys.monitorPrefix(), kv.key);
    if (!name) {
      ctx.store->rejections().reject(kv, "monitor " + name.error().message);
      continue;
    }
    auto j = store::decodeObject(kv.value);
    if (!j) {
      continue;  // its owner reports it (and places nothing new from it)
    }
    auto placement = config::placementOf(*j);
    cluster::CheckView c{*name, std::move(placement.member_tag), placement.disabled};
    tags[*name] = c.member_tag;
    checks.push_back(std::move(c));
  }
  auto placement = cluster::place(views, checks);
  std::vector<Orphan> out;
  for (const auto& n : placement.orphans) {
    out.push_back({n, tags[n]});
  }
  return out;
}

Response getCluster(const Context& ctx) {
  const auto& keys = ctx.store->keys();
  auto res = ctx.store->readCluster();
  if (!res) {
    return storeError(res.error());
  }
  std::vector<store::MemberInfo> members;
  for (const auto& kv : res->members) {
    auto m = store::decodeMember(keys.membersPrefix(), kv);
    if (!m) {
      ctx.store->rejections().reject(kv, "member record: " + m.error().message);
      continue;
    }
    members.push_back(std::move(*m));
  }
  // Checks per member: the director's assignment shards (JSON arrays of names).
  std::map<std::string, int64_t> assigned;
  const std::string ap = keys.allAssignmentsPrefix();
  int64_t total = 0;
  for (const auto& kv : res->shards) {
    std::string rest = kv.key.substr(ap.size());
    auto slash = rest.find('/');
    auto names = store::decodeAssignmentShard(kv.value);
    if (slash != std::string::npos && names) {
      // A shard that does not decode counts nothing (the director and the owner report it).
      const auto n = static_cast<int64_t>(names->size());
      assigned[rest.substr(0, slash)] += n;
      total += n;
    }
  }
  auto orphans = findOrphans(ctx, members);
  if (!orphans) {
    return storeError(orphans.error());
  }
  // The original's shape ({"Members": {id: status}, "Director": {...}}) with our records.
  auto members_json = nlohmann::json::object();
  for (const auto& m : members) {
    auto j = m.toJson();
    j["checks"] = assigned.count(m.id) != 0U ? assigned[m.id] : 0;
    members_json[m.id] = j;
  }
  nlohmann::json director = nullptr;
  if (res->director) {
    // A director key that is not the director's record (written by hand) shows as none.
    if (auto d = store::decodeDirector(res->director->value)) {
      director = {{"MemberID", d->id}, {"since", d->since}};
    } else {
      ctx.store->rejections().reject(*res->director, "director record: " + d.error().message);
    }
  }
  nlohmann::json body{{"Members", members_json},
                      {"Director", director},
                      {"checks", total},
                      {"orphans", orphans->size()}};
  return Response::json(200, common::dumpJson(body));
}

Response getOrphans(const Context& ctx) {
  auto members = ctx.store->listMembers();
  if (!members) {
    return storeError(members.error());
  }
  auto orphans = findOrphans(ctx, *members);
  if (!orphans) {
    return storeError(orphans.error());
  }
  auto list = nlohmann::json::array();
  for (const auto& o : *orphans) {
    list.push_back({{"check", o.name}, {"member-tag", o.member_tag}});
  }
  return Response::json(
      200, common::dumpJson(nlohmann::json{{"count", list.size()}, {"orphans", list}}));
}

}  // namespace

void addClusterRoutes(Router& router, const Context& context) {
  router.get("/api/v1/cluster", [context](const Request&) { return getCluster(context); },
             {.blocking = true});
  router.get("/api/v1/orphans", [context](const Request&) { return getOrphans(context); },
             {.blocking = true});
}

}  // namespace ninevolt::api::v1

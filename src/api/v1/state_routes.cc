// GET /api/v1/state: every check (monitor) with its state, filtered and paged; and
// GET /api/v1/state/summary: counts by status, type and owner.
//
// Stays fast with 100,000 checks: monitors are read in pages of kPage keys (a range from the
// `after` cursor, at one pinned revision), and for each page the state keys of the same name
// range in one more read; the scan stops as soon as `limit` matches are found. A filter that
// matches nothing reads everything once, in pages (~200 etcd reads for 100k checks), never
// the whole prefix in one answer.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "alerts/parents.h"
#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "cluster/placement.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/dependencies.h"
#include "config/locations.h"
#include "config/maintenance.h"
#include "config/spec.h"
#include "locations/rows.h"
#include "store/untrusted.h"

namespace ninevolt::api::v1 {
namespace {

constexpr int64_t kPage = 500;
constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 10000;

struct StateFilter {
  std::vector<std::string> tags;      // any of them
  std::vector<std::string> statuses;  // any of them
  std::string owner;
  std::vector<std::string> types;
  std::string name;  // substring

  static bool anyOf(const std::vector<std::string>& want, const std::string& have) {
    return want.empty() || std::find(want.begin(), want.end(), have) != want.end();
  }

  bool matches(const nlohmann::json& entry) const {
    if (!name.empty() && entry["check"].get<std::string>().find(name) == std::string::npos) {
      return false;
    }
    if (!anyOf(statuses, common::stringField(entry, "status"))
        || !anyOf(types, common::stringField(entry, "type"))) {
      return false;
    }
    if (!owner.empty() && common::stringField(entry, "owner") != owner) {
      return false;
    }
    if (!tags.empty()) {
      const auto* have = common::findField(entry, "tags");
      bool any = false;
      if (have != nullptr && have->is_array()) {
        for (const auto& t : *have) {
          any = any || (t.is_string() && anyOf(tags, t.get<std::string>()));
        }
      }
      return any;
    }
    return true;
  }
};

// The live members as placement and the location rows see them.
struct Live {
  cluster::OrphanRule orphans;  // who could run a check now: place()'s own orphan rule
  locations::Sites sites;
};
Result<Live> liveMembers(const Context& ctx) {
  auto members = ctx.store->listMembers();
  if (!members) {
    return tl::unexpected(members.error());
  }
  std::vector<cluster::MemberView> views;
  locations::Sites sites;
  for (auto& m : *members) {
    sites[m.id] = locations::Site{m.location, m.tags, m.degraded};
    views.push_back({std::move(m.id), std::move(m.tags), std::move(m.location)});
  }
  return Live{cluster::OrphanRule(views), std::move(sites)};
}

Result<cluster::OrphanRule> liveOrphanRule(const Context& ctx) {
  auto live = liveMembers(ctx);
  if (!live) {
    return tl::unexpected(live.error());
  }
  return std::move(live->orphans);
}

// A check with locations (docs/locations.md): its row per location and the counts the list
// shows ("2/3 failing"), from its replicas' state keys and the live members.
struct Located {
  std::string check;
  config::LocationList list;
  std::string member_tag;
  int failing = 0;
  int recovered = 0;
};

nlohmann::json locationsJson(const std::vector<locations::LocationRow>& rows, const Located& l) {
  const auto count = locations::countOf(rows);
  const auto quorum = config::quorumOf(l.failing, l.recovered, static_cast<int>(rows.size()));
  auto list = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json row{{"location", r.location},
                       {"status", r.status == config::LocationStatus::kOk         ? "ok"
                                  : r.status == config::LocationStatus::kWarning  ? "warning"
                                  : r.status == config::LocationStatus::kCritical ? "critical"
                                                                                  : "unknown"},
                       {"member", r.member}};
    if (!r.why.empty()) {
      row["why"] = r.why;
    }
    if (r.state) {
      row["result"] = r.state->result;
      row["message"] = r.state->message;
      row["date"] = r.state->date;
      row["count"] = r.state->count;
      if (r.state->duration_ms) {
        row["duration_ms"] = *r.state->duration_ms;
      }
    }
    list.push_back(std::move(row));
  }
  return {{"total", rows.size()},
          {"failing", count.warning + count.critical},
          {"unknown", count.unknown},
          {"failing-locations", quorum.failing},
          {"recovered-locations", quorum.recovered},
          {"rows", std::move(list)}};
}

// Adds "locations" to the entries of `out` that have them (index -> check): their replica
// states read in a few txns (Store::readReplicaStates), whatever the page size.
Result<void> addLocations(const Context& ctx, const locations::Sites& sites,
                          const std::map<size_t, Located>& located, nlohmann::json& out) {
  if (located.empty()) {
    return {};
  }
  std::vector<std::string> checks;
  for (const auto& [index, l] : located) {
    checks.push_back(l.check);
  }
  auto read = ctx.store->readReplicaStates(checks);
  if (!read) {
    return tl::unexpected(read.error());
  }
  const std::string prefix = ctx.store->keys().locationStatePrefix();
  size_t k = 0;
  for (const auto& [index, l] : located) {
    locations::ReplicaStates states;
    for (const auto& kv : (*read)[k++]) {
      auto replica = config::splitReplica(std::string_view(kv.key).substr(prefix.size()));
      auto state = store::decodeState(kv.value);
      if (!replica || !state) {
        ctx.store->rejections().reject(kv,
                                       "location state: not <check>@<location> or not a "
                                       "state",
                                       l.check);
        continue;
      }
      states.insert_or_assign(std::string(replica->location), locations::ReplicaState::of(*state));
    }
    out[index]["locations"] =
        locationsJson(locations::locationRows(l.list, l.member_tag, sites, states), l);
  }
  return {};
}

Located locatedOf(const std::string& name, const nlohmann::json& monitor) {
  Located l{.check = name, .list = config::placementLocations(monitor)};
  l.member_tag = common::stringField(monitor, "member-tag");
  auto number = [&](const char* field) {
    const auto* v = common::findField(monitor, field);
    return v != nullptr && v->is_number_integer() ? std::clamp<int>(v->get<int>(), 0, 64) : 0;
  };
  l.failing = number("failing-locations");
  l.recovered = number("recovered-locations");
  return l;
}

bool orphanedNow(const cluster::OrphanRule& rule, const nlohmann::json& monitor) {
  if (!monitor.is_object()) {
    return false;
  }
  auto placement = config::placementOf(monitor);
  return rule.orphaned({"", std::move(placement.member_tag), placement.disabled});
}

// One check as GET /state shows it: the state key's fields (the original's check, owner,
// status, count, message, date, plus ours; a state that does not decode is left out) and
// from the monitor type, tags, member-tag, description and disabled (each as "" / [] when
// the stored monitor has it with another type). A check with no state yet is "pending"; a disabled
// one "disabled"; one that no live member may run "orphaned" (what it last was stays in
// "last-status": the state key is kept for when a member can run it again).
nlohmann::json entryOf(const std::string& name, const nlohmann::json& monitor,
                       const nlohmann::json* state, const cluster::OrphanRule& live) {
  nlohmann::json e = state != nullptr && state->is_object() ? *state : nlohmann::json::object();
  e["check"] = name;
  bool disabled = config::monitorDisabled(monitor);
  if (!e.contains("status") || disabled) {
    e["status"] = disabled ? "disabled" : "pending";
  }
  if (!e.contains("owner")) {
    e["owner"] = "";
  }
  e["type"] = common::stringField(monitor, "type");
  const auto* tags = common::findField(monitor, "tags");
  e["tags"] = tags != nullptr && tags->is_array() ? *tags : nlohmann::json::array();
  e["member-tag"] = common::stringField(monitor, "member-tag");
  e["description"] = common::stringField(monitor, "description");
  e["disabled"] = disabled;
  const bool orphaned = orphanedNow(live, monitor);
  if (orphaned) {
    e["last-status"] = e["status"];
    e["status"] = "orphaned";
  }
  e["orphaned"] = orphaned;
  return e;
}

// The silences in force now (store/silence.h), for "silenced-by".
Result<std::vector<store::Silence>> activeSilences(const Context& ctx) {
  auto listed = ctx.store->listSilences();
  if (!listed) {
    return tl::unexpected(listed.error());
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<store::Silence> out;
  for (auto& [id, s] : listed->first) {
    if (s.activeAt(now)) {
      out.push_back(std::move(s));
    }
  }
  // Maintenance windows open now, as silences "maintenance/<name>" (the dispatcher's view).
  auto windows = ctx.store->listConfigs(store::ConfigKind::kMaintenance);
  if (!windows) {
    return tl::unexpected(windows.error());
  }
  for (const auto& [name, c] : windows->first) {
    config::Problems ignored;  // a bad one is reported by the members' dispatchers
    auto spec = config::parseMaintenance(name, c.value, ignored);
    auto open = spec ? spec->windowAt(now) : std::nullopt;
    if (open) {
      out.push_back(store::silenceOfWindow(*spec, &*open));
    }
  }
  return out;
}

// The id of a silence covering the entry's check ("" when none): the earliest-ending one,
// as the dispatcher picks it.
std::string silencedBy(const std::vector<store::Silence>& silences, const nlohmann::json& entry) {
  std::vector<std::string> tags;
  for (const auto& t : entry["tags"]) {
    if (t.is_string()) {
      tags.push_back(t.get<std::string>());
    }
  }
  const std::string name = entry["check"].get<std::string>();
  const std::string type = entry["type"].get<std::string>();
  const std::string member_tag = entry["member-tag"].get<std::string>();
  const store::Silence* best = nullptr;
  for (const auto& s : silences) {
    if (s.matches(name, tags, type, member_tag) && (best == nullptr || s.ends < best->ends)) {
      best = &s;
    }
  }
  return best != nullptr ? best->id : std::string();
}

// One check as the scan finds it: the parsed monitor (null if unparsable) and its state key
// (nullptr if none yet, or if it does not decode). Monitor keys whose name is not valid and
// state values that do not decode are skipped and reported (store/untrusted.h).
using CheckVisitor = std::function<bool(const std::string& name, const nlohmann::json& monitor,
                                        const nlohmann::json* state)>;

// Walks the checks in name order from the monitor key `from` up to `end`, at one etcd
// revision: a page of kPage monitors, then the states of the same name range in one more
// read. visit() returns false to stop; the answer says whether any check came after the one
// it stopped at.
Result<bool> scanChecks(const Context& ctx, std::string from, const std::string& end,
                        const CheckVisitor& visit) {
  const auto& keys = ctx.store->keys();
  int64_t revision = 0;
  while (true) {
    auto page = ctx.store->readCheckPage(from, end, kPage, revision);
    if (!page) {
      return tl::unexpected(page.error());
    }
    revision = page->revision;  // every later page at the same revision
    if (page->monitors.empty()) {
      return false;
    }
    std::map<std::string, nlohmann::json> states;
    for (const auto& kv : page->states) {
      std::string n = kv.key.substr(keys.statePrefix().size());
      if (auto problem = store::nameProblem(n); !problem.empty()) {
        // No monitor has that name: not shown (the director deletes it when it takes over).
        ctx.store->rejections().reject(kv, "state key: not a valid check name: " + problem);
        continue;
      }
      auto j = store::decodeState(kv.value);
      if (!j) {
        ctx.store->rejections().reject(kv, "check state: " + j.error().message, n);
        continue;
      }
      states[n] = j->toJson();
    }
    for (size_t i = 0; i < page->monitors.size(); ++i) {
      const auto& kv = page->monitors[i];
      auto name = store::nameFromKey(keys.monitorPrefix(), kv.key);
      if (!name) {
        ctx.store->rejections().reject(kv, "monitor " + name.error().message);
        continue;
      }
      auto monitor = store::decodeJson(kv.value);
      auto st = states.find(*name);
      if (!visit(*name, monitor ? *monitor : nlohmann::json(),
                 st == states.end() ? nullptr : &st->second)) {
        return i + 1 < page->monitors.size() || page->more;
      }
    }
    if (!page->more) {
      return false;
    }
    from = page->monitors.back().key + '\0';
  }
}

// A failing check behind a failing parent (depends-on) is `unreachable`: the name of its
// first parent that is warning or critical (its state key; each parent read once).
Result<void> markUnreachable(const Context& ctx,
                             const std::map<size_t, std::vector<std::string>>& behind,
                             nlohmann::json& out) {
  std::map<std::string, bool> failing;
  for (const auto& [index, parents] : behind) {
    for (const auto& parent : parents) {
      auto known = failing.find(parent);
      if (known == failing.end()) {
        auto status = alerts::failingParentStatus(*ctx.store, parent);
        if (!status) {
          return tl::unexpected(status.error());
        }
        known = failing.emplace(parent, !status->empty()).first;
      }
      if (known->second) {
        out[index]["unreachable"] = parent;
        break;
      }
    }
  }
  return {};
}

Response listState(const Context& ctx, const Request& request) {
  config::Problems problems;
  StateFilter filter;
  filter.tags = splitList(request.queryValue("tags").value_or(""));
  filter.statuses = splitList(request.queryValue("status").value_or(""));
  filter.types = splitList(request.queryValue("type").value_or(""));
  filter.owner = request.queryValue("owner").value_or("");
  filter.name = request.queryValue("name").value_or("");
  for (const auto& s : filter.statuses) {
    static const std::vector<std::string> kKnown{"ok",      "warning",  "critical",
                                                 "pending", "disabled", "orphaned"};
    if (!StateFilter::anyOf(kKnown, s)) {
      badParam(problems, "status",
               fmt::format("unknown status '{}'; one of ok, warning, critical, pending, disabled, "
                           "orphaned",
                           common::printable(s)));
    }
  }
  size_t limit = limitParam(request, kDefaultLimit, kMaxLimit, problems);
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  const auto& keys = ctx.store->keys();
  std::string end = etcd::prefixRangeEnd(keys.monitorPrefix());
  std::string from = keys.monitorPrefix();
  if (auto check = request.queryValue("check"); check && !check->empty()) {
    // Exactly this check: a one-key range (the UI's detail page).
    from = keys.monitor(*check);
    end = from + '\0';
  } else if (auto after = request.queryValue("after"); after && !after->empty()) {
    from = keys.monitor(*after) + std::string(1, '\0');
  }

  auto members = liveMembers(ctx);
  if (!members) {
    return storeError(members.error());
  }
  const cluster::OrphanRule* live = &members->orphans;
  std::map<size_t, Located> located;  // entries with locations
  auto silences = activeSilences(ctx);
  if (!silences) {
    return storeError(silences.error());
  }
  auto out = nlohmann::json::array();
  std::string next;
  std::map<size_t, std::vector<std::string>> behind;  // failing entries with depends-on
  auto more = scanChecks(
      ctx, from, end,
      [&](const std::string& name, const nlohmann::json& monitor, const nlohmann::json* state) {
        auto entry = entryOf(name, monitor, state, *live);
        entry["silenced-by"] = silencedBy(*silences, entry);
        if (!filter.matches(entry)) {
          return true;
        }
        const std::string status = entry.value("status", "");
        if (status == "warning" || status == "critical") {
          if (auto parents = config::dependsOnOf(monitor); !parents.empty()) {
            behind[out.size()] = std::move(parents);
          }
        }
        if (auto l = locatedOf(name, monitor); l.list.any()) {
          located.emplace(out.size(), std::move(l));
        }
        out.push_back(std::move(entry));
        return out.size() < limit;
      });
  if (!more) {
    return storeError(more.error());
  }
  if (auto marked = markUnreachable(ctx, behind, out); !marked) {
    return storeError(marked.error());
  }
  if (auto added = addLocations(ctx, members->sites, located, out); !added) {
    return storeError(added.error());
  }
  if (*more && !out.empty()) {
    next = out.back()["check"].get<std::string>();
  }
  auto r = Response::json(200, common::dumpJson(out));
  if (!next.empty()) {
    // The original's body is a plain array: the cursor goes in a header.
    r.headers.emplace_back("X-Next-After", next);
  }
  return r;
}

// GET /api/v1/state/summary: how many checks there are by status, type and owner (the UI's
// overview). The same paged scan as GET /state, counting instead of listing (no per-check
// JSON built). With 100,000 checks a scan takes about a second, and every open overview
// asks every few seconds: one scan answers all requests within kSummaryTtl of it.
constexpr auto kSummaryTtl = std::chrono::seconds(2);

struct SummaryCache {
  std::mutex mu;  // held during a scan: a request meanwhile waits for its answer
  std::chrono::steady_clock::time_point at;
  std::string body;
};

Response stateSummary(const Context& ctx, SummaryCache& cache) {
  std::lock_guard lock(cache.mu);
  if (!cache.body.empty() && std::chrono::steady_clock::now() - cache.at < kSummaryTtl) {
    return Response::json(200, cache.body);
  }
  const auto& keys = ctx.store->keys();
  int64_t total = 0;
  std::map<std::string, int64_t> by_status{{"ok", 0},      {"warning", 0},  {"critical", 0},
                                           {"pending", 0}, {"disabled", 0}, {"orphaned", 0}};
  std::map<std::string, int64_t> by_type;
  std::map<std::string, int64_t> by_owner;
  auto text = [](const nlohmann::json* j, const char* key) {
    if (j == nullptr || !j->is_object()) {
      return std::string();
    }
    auto it = j->find(key);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto live = liveOrphanRule(ctx);
  if (!live) {
    return storeError(live.error());
  }
  auto scanned = scanChecks(
      ctx, keys.monitorPrefix(), etcd::prefixRangeEnd(keys.monitorPrefix()),
      [&](const std::string&, const nlohmann::json& monitor, const nlohmann::json* state) {
        ++total;
        // As entryOf() decides: disabled wins, then orphaned; no state yet is pending.
        bool disabled = config::monitorDisabled(monitor);
        bool orphaned = orphanedNow(*live, monitor);
        std::string status = text(state, "status");
        ++by_status[disabled         ? "disabled"
                    : orphaned       ? "orphaned"
                    : status.empty() ? "pending"
                                     : status];
        ++by_type[text(&monitor, "type")];
        if (auto owner = text(state, "owner"); !owner.empty() && !orphaned) {
          ++by_owner[owner];
        }
        return true;
      });
  if (!scanned) {
    return storeError(scanned.error());
  }
  cache.body = common::dumpJson(nlohmann::json{
      {"total", total}, {"by_status", by_status}, {"by_type", by_type}, {"by_owner", by_owner}});
  cache.at = std::chrono::steady_clock::now();
  return Response::json(200, cache.body);
}

}  // namespace

void addStateRoutes(Router& router, const Context& context) {
  router.get("/api/v1/state", [context](const Request& r) { return listState(context, r); },
             {.blocking = true});
  router.get("/api/v1/state/summary",
             [context, cache = std::make_shared<SummaryCache>()](const Request&) {
               return stateSummary(context, *cache);
             },
             {.blocking = true});
}

}  // namespace ninevolt::api::v1

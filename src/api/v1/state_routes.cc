// GET /api/v1/state: every check (monitor) with its state, filtered and paged.
//
// Stays fast with 100,000 checks: monitors are read in pages of kPage keys (a range from the
// `after` cursor, at one pinned revision), and for each page the state keys of the same name
// range in one more read; the scan stops as soon as `limit` matches are found. A filter that
// matches nothing reads everything once, in pages (~200 etcd reads for 100k checks), never
// the whole prefix in one answer.

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/yaml_json.h"

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
    if (!anyOf(statuses, entry.value("status", "")) || !anyOf(types, entry.value("type", ""))) {
      return false;
    }
    if (!owner.empty() && entry.value("owner", "") != owner) {
      return false;
    }
    if (!tags.empty()) {
      const auto& have = entry["tags"];
      bool any = false;
      for (const auto& t : have) {
        any = any || (t.is_string() && anyOf(tags, t.get<std::string>()));
      }
      return any;
    }
    return true;
  }
};

// Who could run a check now (placement's eligibility rules, docs/architecture.md).
struct LiveMembers {
  bool any = false;
  std::set<std::string> tags;  // every tag some live member has

  // No eligible member: an untagged check needs any member, a tagged one a member with its
  // tag.
  bool orphans(const std::string& member_tag) const {
    return !any || (!member_tag.empty() && !tags.contains(member_tag));
  }
};

// One check as GET /state shows it: the state key's fields (the original's check, owner,
// status, count, message, date, plus ours) and from the monitor type, tags, member-tag,
// description and disabled. A check with no state yet is "pending"; a disabled one
// "disabled"; one that no live member may run "orphaned" (what it last was stays in
// "last-status": the state key is kept for when a member can run it again).
nlohmann::json entryOf(const std::string& name, const nlohmann::json& monitor,
                       const nlohmann::json* state, const LiveMembers& live) {
  nlohmann::json e = state != nullptr && state->is_object() ? *state : nlohmann::json::object();
  e["check"] = name;
  bool disabled = monitor.is_object() && monitor.value("disable", false);
  if (!e.contains("status") || disabled) {
    e["status"] = disabled ? "disabled" : "pending";
  }
  if (!e.contains("owner")) {
    e["owner"] = "";
  }
  auto field = [&monitor](const char* key, nlohmann::json fallback) {
    return monitor.is_object() && monitor.contains(key) ? monitor[key] : fallback;
  };
  e["type"] = field("type", "");
  e["tags"] = field("tags", nlohmann::json::array());
  e["member-tag"] = field("member-tag", "");
  e["description"] = field("description", "");
  e["disabled"] = disabled;
  const auto& tag = e["member-tag"];
  const bool orphaned = !disabled && live.orphans(tag.is_string() ? tag.get<std::string>() : "");
  if (orphaned) {
    e["last-status"] = e["status"];
    e["status"] = "orphaned";
  }
  e["orphaned"] = orphaned;
  return e;
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
                           s));
    }
  }
  size_t limit = limitParam(request, kDefaultLimit, kMaxLimit, problems);
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  const auto& keys = ctx.store->keys();
  auto& client = ctx.store->client();
  const std::string monitor_end = etcd::prefixRangeEnd(keys.monitorPrefix());
  std::string from = keys.monitorPrefix();
  if (auto after = request.queryValue("after"); after && !after->empty()) {
    from = keys.monitor(*after) + std::string(1, '\0');
  }

  LiveMembers live;
  auto members = ctx.store->listMembers();
  if (!members) {
    return storeError(members.error());
  }
  for (const auto& m : *members) {
    live.any = true;
    live.tags.insert(m.tags.begin(), m.tags.end());
  }

  auto out = nlohmann::json::array();
  int64_t revision = 0;
  std::string next;
  while (true) {
    auto page =
        client.range(from, {.limit = kPage, .revision = revision, .range_end = monitor_end});
    if (!page) {
      return storeError(page.error());
    }
    revision = page->revision;  // every later page at the same revision
    if (page->kvs.empty()) {
      break;
    }
    // The states of this page's names: one range over the same names.
    auto first = store::Keys::nameUnder(keys.monitorPrefix(), page->kvs.front().key);
    auto last = store::Keys::nameUnder(keys.monitorPrefix(), page->kvs.back().key);
    std::map<std::string, nlohmann::json> states;
    if (first && last) {
      auto st = client.range(keys.state(*first),
                             {.revision = revision, .range_end = keys.state(*last) + '\0'});
      if (!st) {
        return storeError(st.error());
      }
      for (const auto& kv : st->kvs) {
        if (auto n = store::Keys::nameUnder(keys.statePrefix(), kv.key)) {
          if (auto j = common::parseJson(kv.value)) {
            states[*n] = std::move(*j);
          }
        }
      }
    }
    for (size_t i = 0; i < page->kvs.size(); ++i) {
      const auto& kv = page->kvs[i];
      auto name = store::Keys::nameUnder(keys.monitorPrefix(), kv.key);
      if (!name) {
        continue;
      }
      auto monitor = common::parseJson(kv.value);
      auto st = states.find(*name);
      auto entry = entryOf(*name, monitor ? *monitor : nlohmann::json(),
                           st == states.end() ? nullptr : &st->second, live);
      if (!filter.matches(entry)) {
        continue;
      }
      out.push_back(std::move(entry));
      if (out.size() == limit) {
        if (i + 1 < page->kvs.size() || page->more) {
          next = *name;
        }
        break;
      }
    }
    if (out.size() == limit || !page->more) {
      break;
    }
    from = page->kvs.back().key + '\0';
  }
  auto r = Response::json(200, out.dump());
  if (!next.empty()) {
    // The original's body is a plain array: the cursor goes in a header.
    r.headers.emplace_back("X-Next-After", next);
  }
  return r;
}

}  // namespace

void addStateRoutes(Router& router, const Context& context) {
  router.get("/api/v1/state", [context](const Request& r) { return listState(context, r); },
             {.blocking = true});
}

}  // namespace ninevolt::api::v1

// Everything 9volt reads back from etcd (DESIGN.md: untrusted input). The input is a set of
// keys and values ("KEY\nVALUE" parts separated by "\n--\n"), written over a small healthy
// cluster in an in-memory etcd; then every reader runs over it:
// - the value and key decoders: names from keys, members, events, states, push records, the
//   director's id, event lease records, incidents, cluster settings;
// - the store's readers (configs, members, events, the event lease, push records) and
//   IncidentStore;
// - the API's readers (monitor, alerter, state, summary, cluster, orphans, events), which
//   must answer 200 (a bad key or value is skipped, never a 500);
// - the live stream's converter (watch events -> SSE messages).
// Nothing may throw or crash, and a reader must not fail because one value is bad.

#include <exception>
#include <string>
#include <vector>

#include "alerts/incident.h"
#include "alerts/storm.h"
#include "api/request.h"
#include "api/v1/stream_hub.h"
#include "cluster/director.h"
#include "cluster/settings.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "config/locations.h"
#include "store/assignment_shard.h"
#include "store/compaction_record.h"
#include "store/confirm.h"
#include "store/event.h"
#include "store/incident_store.h"
#include "store/member_digest.h"
#include "store/silence.h"
#include "store/storm.h"
#include "support/api_world.h"
#include "support/fuzz_util.h"

namespace fz = ninevolt::fuzz;
namespace store = ninevolt::store;
namespace etcd = ninevolt::etcd;

namespace {

fz::ApiWorld& world() {
  static auto* w = new fz::ApiWorld();
  return *w;
}

// The decoders the readers use (store/untrusted.h, store/event.h, store/store.h,
// cluster/director.h) on one key and value, and what they promise.
void decodeOne(const etcd::KeyValue& kv, const store::Keys& keys) {
  for (const auto& prefix : {keys.monitorPrefix(), keys.alerterPrefix(), keys.membersPrefix(),
                             keys.statePrefix(), keys.incidentPrefix(), keys.eventPrefix(),
                             keys.allAssignmentsPrefix(), keys.pushPrefix()}) {
    if (auto name = store::nameFromKey(prefix, kv.key)) {
      fz::check(ninevolt::config::validName(*name), "nameFromKey gave an invalid name", kv.key);
    } else {
      fz::check(!name.error().message.empty(), "nameFromKey refused without a reason", kv.key);
    }
  }
  if (auto m = store::decodeMember(keys.membersPrefix(), kv)) {
    fz::check(ninevolt::config::validName(m->id), "decodeMember gave an invalid id", kv.key);
    (void)ninevolt::common::dumpJson(m->toJson());
  }
  if (auto e = store::decodeEvent(kv.value)) {
    auto text = store::eventText(*e);
    fz::check(store::decodeEvent(text).has_value(), "an event written back does not decode", text);
  }
  if (auto st = store::decodeState(kv.value)) {
    auto text = store::checkStateText(*st);
    fz::check(store::decodeState(text).has_value(), "a state written back does not decode", text);
  }
  if (auto p = store::decodePush(kv.value)) {
    fz::check(p->time || p->armed, "decodePush gave a record with neither time nor armed",
              kv.value);
    auto text = store::pushText(*p);
    fz::check(store::decodePush(text).has_value(), "a push record written back does not decode",
              text);
  }
  if (auto names = store::decodeAssignmentShard(kv.value)) {
    std::string text;
    for (const auto& n : *names) {
      store::addAssignmentName(text, n);
    }
    store::closeAssignmentShard(text);
    auto again = store::decodeAssignmentShard(text);
    fz::check(again && *again == *names, "an assignment shard written back differs", text);
  }
  if (auto c = store::decodeCompaction(kv.value)) {
    auto text = store::compactionText(*c);
    fz::check(store::decodeCompaction(text).has_value(),
              "a compaction record written back does not decode", text);
  }
  if (auto d = store::decodeMemberDigest(kv.value)) {
    auto text = ninevolt::common::dumpJson(d->toJson());
    fz::check(store::decodeMemberDigest(text).has_value(), "a digest written back does not decode",
              text);
  }
  if (auto i = store::decodeIncident(kv.value)) {
    auto text = ninevolt::common::dumpJson(i->toJson());
    fz::check(store::decodeIncident(text).has_value(), "an incident written back does not decode",
              text);
    // What a silence's end does to it must never throw, nor leave anything suppressed.
    auto released = ninevolt::alerts::releaseSuppressed(*i, "m1", ninevolt::common::SystemTime{});
    fz::check(!released.incident || !ninevolt::alerts::hasSuppressed(*released.incident),
              "releaseSuppressed left something suppressed", text);
  }
  if (auto r = store::decodeStormRecord(kv.value)) {
    auto text = ninevolt::common::dumpJson(r->toJson());
    auto again = store::decodeStormRecord(text);
    fz::check(again && ninevolt::common::dumpJson(again->toJson()) == text,
              "a storm record written back differs", text);
    // The rules on whatever etcd held: never throw, and keep the record bounded and valid.
    using namespace std::chrono_literals;
    const ninevolt::alerts::StormLimits limits{.threshold = 2, .window = 60s, .gather = 10s};
    const ninevolt::common::SystemTime now{std::chrono::hours(500'000)};
    (void)ninevolt::alerts::passStorm(
        *r, {"web", ninevolt::alerts::NotificationKind::kCritical, "1"}, now, limits);
    (void)ninevolt::alerts::passStorm(*r, {"db", ninevolt::alerts::NotificationKind::kResolve, "2"},
                                      now, limits);
    (void)ninevolt::alerts::claimDigest(*r, now, limits, "m1",
                                        [](int64_t, const store::StormOutbox&) { return true; });
    auto after = ninevolt::common::dumpJson(r->toJson());
    fz::check(store::decodeStormRecord(after).has_value(),
              "a storm record after the rules does not decode", after);
  }
  if (auto s = store::decodeSilence(kv.value)) {
    fz::check(s->problems().empty(), "decodeSilence gave a silence with problems", kv.value);
    auto text = store::silenceText(*s);
    auto again = store::decodeSilence(text);
    fz::check(again && store::silenceText(*again) == text, "a silence written back differs", text);
    (void)s->matches("web", {"a"}, "http", "");
  }
  if (auto r = store::decodeConfirmRequest(kv.value)) {
    auto text = ninevolt::common::dumpJson(r->toJson());
    fz::check(store::decodeConfirmRequest(text).has_value(),
              "a confirmation request written back does not decode", text);
  }
  if (auto r = store::decodeConfirmReply(kv.value)) {
    fz::check(r->message.size() <= 4 * store::ConfirmReply::kMaxMessage,
              "a confirmation answer's message is not bounded", kv.value);
    auto text = ninevolt::common::dumpJson(r->toJson());
    fz::check(store::decodeConfirmReply(text).has_value(),
              "a confirmation answer written back does not decode", text);
  }
  if (auto replica = ninevolt::config::splitReplica(kv.key.substr(kv.key.rfind('/') + 1))) {
    fz::check(ninevolt::config::validName(replica->check)
                  && ninevolt::config::validLocation(replica->location),
              "splitReplica gave a part that is not a name", kv.key);
  }
  if (auto id = ninevolt::cluster::directorIdOf(kv.value)) {
    fz::check(!id->empty(), "directorIdOf gave an empty id", kv.value);
  }
  auto j = store::decodeObject(kv.value);
  if (!j) {
    return;
  }
  (void)store::MemberInfo::fromJson(*j);
  (void)store::EventLeaseRecord::fromJson(*j);
  if (auto i = ninevolt::alerts::Incident::fromJson(*j)) {
    (void)ninevolt::common::dumpJson(i->toJson());
    (void)ninevolt::alerts::unsettled(*i);
  }
  std::vector<std::string> problems;
  (void)ninevolt::cluster::parseSettings(*j, {}, "/9volt/config", problems);
}

void get(const std::string& target) {
  ninevolt::api::Request request;
  request.method = "GET";
  ninevolt::api::parseTarget(target, request);
  auto response = world().answer(request);
  fz::ApiWorld::checkAnswer(request, response);
  fz::check(response.status == 200 || response.status == 404,
            "a read of the API failed because of a value in etcd",
            target + " -> " + std::to_string(response.status) + " " + response.body);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Parts parts(fz::asText(data, size));
  auto& w = world();
  fz::ApiWorld::RunScope run(w);
  std::vector<etcd::WatchEvent> events;
  try {
    for (size_t i = 0; i < parts.size(); ++i) {
      auto part = parts.part(i);
      auto nl = part.find('\n');
      std::string key(part.substr(0, nl));
      std::string value(nl == std::string_view::npos ? std::string_view() : part.substr(nl + 1));
      if (key.empty()) {
        continue;
      }
      // Member records on a lease, as members write them (decodeMember refuses others).
      const int64_t lease = key.starts_with(w.store().keys().membersPrefix()) ? 0x1001 : 0;
      auto put = w.etcd().put(key, value, {.lease = lease});
      etcd::WatchEvent ev;
      ev.kv = {key, value, put->revision, put->revision, 1, lease};
      events.push_back(ev);
      decodeOne(ev.kv, w.store().keys());
    }
    // Deletes of the same keys, as the stream sees them.
    size_t puts = events.size();
    for (size_t i = 0; i < puts; ++i) {
      etcd::WatchEvent del;
      del.type = etcd::WatchEvent::kDelete;
      del.kv.key = events[i].kv.key;
      del.kv.mod_revision = events[i].kv.mod_revision + 1;
      events.push_back(del);
    }

    auto& s = w.store();
    fz::check(s.loadConfigs().has_value(), "loadConfigs failed");
    fz::check(s.listMembers().has_value(), "listMembers failed");
    fz::check(s.listEvents({}).has_value(), "listEvents failed");
    fz::check(s.listEvents({.types = {"error", "check-state"}, .limit = 1}).has_value(),
              "listEvents with a filter failed");
    fz::check(s.getEventLease().has_value(), "getEventLease failed");
    fz::check(s.loadPushes().has_value(), "loadPushes failed");
    ninevolt::store::IncidentStore incidents(w.sharedStore());
    std::vector<std::string> checks;
    auto stored = w.etcd().range(s.keys().incidentPrefix(), {.prefix = true});
    for (const auto& kv : stored->kvs) {
      if (auto name = store::Keys::nameUnder(s.keys().incidentPrefix(), kv.key)) {
        fz::check(incidents.load(*name).has_value(), "IncidentStore::load failed", kv.key);
        checks.push_back(*name);
      }
    }
    fz::check(incidents.loadMany(checks).has_value(), "IncidentStore::loadMany failed");
    (void)ninevolt::cluster::loadSettings(s);

    for (const char* target : {"/api/v1/monitor", "/api/v1/monitor/self-tcp", "/api/v1/alerter",
                               "/api/v1/alerter/local-webhook", "/api/v1/state",
                               "/api/v1/state?status=critical,orphaned&tags=self&limit=2",
                               "/api/v1/state/summary", "/api/v1/cluster", "/api/v1/orphans",
                               "/api/v1/event", "/api/v1/event?type=error,check-state&limit=3"}) {
      get(target);
    }

    ninevolt::api::v1::StreamConverter converter(s.keys(), "m1");
    std::vector<ninevolt::api::v1::StreamMessage> messages;
    converter.convert(events, messages);
  } catch (const std::exception& e) {
    fz::violated("reading etcd values threw", e.what());
  }
  return 0;
}

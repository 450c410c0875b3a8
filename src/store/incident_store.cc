#include "store/incident_store.h"

#include <limits>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {

StoredIncident IncidentStore::decode(const std::string& check, const etcd::KeyValue& kv) const {
  StoredIncident out;
  out.mod_revision = kv.mod_revision;
  auto inc = decodeIncident(kv.value);
  if (!inc) {
    store_->rejections().reject(kv, "incident: " + inc.error().message + " (treated as absent)",
                                check);
    return out;
  }
  out.incident = std::move(*inc);
  return out;
}

Result<StoredIncident> IncidentStore::load(const std::string& check) {
  auto r = store_->client_->range(store_->keys().incident(check));
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (r->kvs.empty()) {
    return StoredIncident{};
  }
  return decode(check, r->kvs[0]);
}

Result<std::map<std::string, StoredIncident>> IncidentStore::loadMany(
    const std::vector<std::string>& checks) {
  constexpr size_t kOneByOne = 16;
  std::map<std::string, StoredIncident> out;
  if (checks.size() <= kOneByOne) {
    for (const auto& c : checks) {
      auto one = load(c);
      if (!one) {
        return tl::unexpected(one.error());
      }
      out[c] = std::move(*one);
    }
    return out;
  }
  const std::string prefix = store_->keys().incidentPrefix();
  auto r = store_->client_->listPrefix(prefix);
  if (!r) {
    return tl::unexpected(r.error());
  }
  std::set<std::string> wanted(checks.begin(), checks.end());
  for (const auto& c : checks) {
    out[c] = StoredIncident{};
  }
  for (const auto& kv : r->kvs) {
    auto name = Keys::nameUnder(prefix, kv.key);
    if (name && wanted.contains(*name)) {
      out[*name] = decode(*name, kv);
    }
  }
  return out;
}

GuardedWrite IncidentStore::write(const std::string& check, const std::optional<Incident>& incident,
                                  int64_t expected) const {
  return guardedWrite(store_->keys().incident(check),
                      incident ? std::optional(common::dumpJson(incident->toJson())) : std::nullopt,
                      expected);
}

Result<int64_t> IncidentStore::save(const std::string& check,
                                    const std::optional<Incident>& incident, int64_t expected) {
  GuardedWrite w = write(check, incident, expected);
  auto r = store_->client_->txn({w.guard}, {w.op});
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (!r->succeeded) {
    return fail(Errc::kConflict, "incident of '" + check + "' changed meanwhile");
  }
  return incident ? r->revision : 0;
}

namespace {
constexpr int kAckTries = 5;
constexpr std::chrono::hours kDoorbellLife{24};
}  // namespace

Result<void> IncidentStore::saveAndRing(const std::string& check, const Incident& incident,
                                        int64_t expected) {
  auto lease = store_->client_->grantLease(kDoorbellLife);
  if (!lease) {
    return tl::unexpected(lease.error());
  }
  const std::string key = store_->keys().incident(check);
  auto r = store_->client_->txn({etcd::Compare::modRevision(key, etcd::Compare::kEqual, expected)},
                                {etcd::TxnOp::put(key, common::dumpJson(incident.toJson())),
                                 etcd::TxnOp::put(store_->keys().ack(check), incident.id, *lease)});
  if (!r || !r->succeeded) {
    (void)store_->client_->revokeLease(*lease);
  }
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (!r->succeeded) {
    return fail(Errc::kConflict, "incident of '" + check + "' changed meanwhile");
  }
  return {};
}

Result<Incident> IncidentStore::acknowledge(const std::string& check, Ack ack,
                                            const std::string& incident_id,
                                            common::SystemTime now) {
  for (int round = 0; round < kAckTries; ++round) {
    auto loaded = load(check);
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    if (!loaded->incident || loaded->incident->resolved()) {
      return fail(Errc::kNotFound,
                  fmt::format("'{}' has no open incident: nothing to acknowledge", check));
    }
    Incident inc = std::move(*loaded->incident);
    if (!incident_id.empty() && inc.id != incident_id) {
      return fail(Errc::kNotFound,
                  fmt::format("the incident of '{}' this link is for is over", check));
    }
    if (inc.ackedAt(now)) {
      if (inc.ack->by == ack.by && inc.ack->comment == ack.comment
          && inc.ack->expires == ack.expires) {
        return inc;  // the same again (a link clicked twice): nothing to write
      }
      ack.n = inc.ack->n;  // the same ack, changed: announced once
      ack.announced = inc.ack->announced;
    } else {
      const int last = inc.ack ? inc.ack->n : 0;
      ack.n = last < std::numeric_limits<int>::max() ? last + 1 : last;
      ack.announced = false;
    }
    ack.at = now;
    inc.ack = std::move(ack);
    auto saved = saveAndRing(check, inc, loaded->mod_revision);
    if (saved) {
      return inc;
    }
    if (saved.error().code != Errc::kConflict) {
      return tl::unexpected(saved.error());
    }
    ack = std::move(*inc.ack);
  }
  return fail(Errc::kUnavailable,
              fmt::format("the incident of '{}' kept changing; try again", check));
}

Result<bool> IncidentStore::unacknowledge(const std::string& check, common::SystemTime now) {
  for (int round = 0; round < kAckTries; ++round) {
    auto loaded = load(check);
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    if (!loaded->incident || loaded->incident->resolved()) {
      return fail(Errc::kNotFound, fmt::format("'{}' has no open incident", check));
    }
    Incident inc = std::move(*loaded->incident);
    if (!inc.ackedAt(now)) {
      return false;
    }
    inc.ack->expires = now;  // kept (ended): the next ack gets the next n
    auto saved = saveAndRing(check, inc, loaded->mod_revision);
    if (saved) {
      return true;
    }
    if (saved.error().code != Errc::kConflict) {
      return tl::unexpected(saved.error());
    }
  }
  return fail(Errc::kUnavailable,
              fmt::format("the incident of '{}' kept changing; try again", check));
}

}  // namespace ninevolt::store

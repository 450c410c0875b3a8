// Store: the cluster event log (/9volt/event/) and its shared retention lease.
#include <fmt/format.h>

#include "common/printable.h"
#include "store/store.h"

namespace ninevolt::store {

Result<bool> Store::createEvents(const std::vector<StoredEvent>& events, int64_t lease) {
  if (events.size() > kMaxEventsPerTxn) {
    return fail(Errc::kInvalidArgument,
                fmt::format("{} events in one write; at most {}", events.size(), kMaxEventsPerTxn));
  }
  std::vector<etcd::Compare> compares;
  std::vector<etcd::TxnOp> ops;
  for (const auto& e : events) {
    // Never overwrite: a key that exists belongs to another event (see EventLog on seq).
    compares.push_back(etcd::Compare::createRevision(e.key, etcd::Compare::kEqual, 0));
    ops.push_back(etcd::TxnOp::put(e.key, eventText(e.event), lease));
  }
  auto res = client_->txn(compares, ops);
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded;
}

Result<std::vector<StoredEvent>> Store::listEvents(const EventFilter& filter) {
  constexpr int64_t kPage = 500;
  const std::string prefix = keys_.eventPrefix();
  const std::string start = filter.since ? keys_.eventsFrom(*filter.since) : prefix;
  etcd::RangeOptions page{
      .limit = kPage, .range_end = etcd::prefixRangeEnd(prefix), .descending = true};
  std::vector<StoredEvent> out;
  while (true) {
    auto res = client_->range(start, page);
    if (!res) {
      return tl::unexpected(res.error());
    }
    if (res->kvs.empty()) {
      return out;
    }
    std::string lowest = res->kvs.back().key;  // descending: the last key is the lowest
    for (auto& kv : res->kvs) {
      auto e = decodeEvent(kv.value);
      if (!e) {
        rejections_->reject(kv, "event: " + e.error().message);
        continue;
      }
      if (!filter.matches(*e)) {
        continue;
      }
      out.push_back({std::move(kv.key), std::move(*e)});
      if (filter.limit > 0 && out.size() >= filter.limit) {
        return out;
      }
    }
    if (!res->more) {
      return out;
    }
    // Next page: everything below the lowest key of this one, at the same revision.
    page.range_end = std::move(lowest);
    page.revision = res->revision;
  }
}

Result<int64_t> Store::countEvents() {
  auto res = client_->range(keys_.eventPrefix(), {.prefix = true, .count_only = true});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->count;
}

Result<int64_t> Store::trimEvents(int64_t keep) {
  const std::string prefix = keys_.eventPrefix();
  auto count = countEvents();
  if (!count || *count <= keep) {
    return count ? Result<int64_t>(0) : count;
  }
  // The oldest (count - keep) keys, then one delete of everything up to the last of them.
  auto oldest = client_->range(prefix, {.prefix = true, .limit = *count - keep, .keys_only = true});
  if (!oldest) {
    return tl::unexpected(oldest.error());
  }
  if (oldest->kvs.empty()) {
    return 0;
  }
  auto res = client_->txn(
      {}, {etcd::TxnOp::delRange(prefix, oldest->kvs.back().key + std::string(1, '\0'))});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return static_cast<int64_t>(oldest->kvs.size());
}

Result<std::optional<EventLeaseRecord>> Store::getEventLease() {
  const std::string key = keys_.eventLease();
  auto res = client_->range(key);
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return std::optional<EventLeaseRecord>{};
  }
  auto j = decodeObject(res->kvs[0].value);
  auto record =
      j ? EventLeaseRecord::fromJson(*j) : Result<EventLeaseRecord>(tl::unexpected(j.error()));
  if (!record) {
    // Unreadable (written by hand): treat as a lease id 0, which the writer replaces.
    rejections_->reject(
        res->kvs[0], "event lease record: " + record.error().message + " (replaced by a new one)");
    record = EventLeaseRecord{};
  }
  record->mod_revision = res->kvs[0].mod_revision;
  return std::optional<EventLeaseRecord>{*record};
}

Result<bool> Store::replaceEventLease(const EventLeaseRecord& record,
                                      int64_t expected_mod_revision) {
  const std::string key = keys_.eventLease();
  auto guard = expected_mod_revision == 0
                   ? etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)
                   : etcd::Compare::modRevision(key, etcd::Compare::kEqual, expected_mod_revision);
  auto res = client_->txn({guard}, {etcd::TxnOp::put(key, common::dumpJson(record.toJson()))});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded;
}

Result<bool> Store::eventStored(const StoredEvent& event) {
  auto res = client_->range(event.key);
  if (!res) {
    return tl::unexpected(res.error());
  }
  return !res->kvs.empty() && res->kvs[0].value == eventText(event.event);
}

std::unique_ptr<etcd::Watcher> Store::watchEverything(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.root() + "/", true, from_revision, std::move(cb));
}

Result<void> Store::readableAt(int64_t revision) {
  // A one-key read at that revision fails once it is compacted (or when it is in the future).
  auto res =
      client_->range(keys_.root() + "/",
                     {.limit = 1, .revision = std::max<int64_t>(revision, 1), .keys_only = true});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return {};
}

}  // namespace ninevolt::store

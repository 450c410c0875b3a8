// Store: the per-check records (monitor, state, incident, push) read by name or by prefix.
#include <fmt/format.h>

#include "store/store.h"

namespace ninevolt::store {
namespace {

std::optional<etcd::KeyValue> first(etcd::RangeResult& r) {
  if (r.kvs.empty()) {
    return std::nullopt;
  }
  return std::move(r.kvs[0]);
}

}  // namespace

const char* recordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kMonitor:
      return "monitor";
    case RecordKind::kState:
      return "state";
    case RecordKind::kIncident:
      return "incident";
    case RecordKind::kPush:
      return "push";
    case RecordKind::kLocationState:
      return "location-state";
  }
  return "?";
}

std::string Store::prefixOf(RecordKind kind) const {
  switch (kind) {
    case RecordKind::kMonitor:
      return keys_.monitorPrefix();
    case RecordKind::kState:
      return keys_.statePrefix();
    case RecordKind::kIncident:
      return keys_.incidentPrefix();
    case RecordKind::kPush:
      return keys_.pushPrefix();
    case RecordKind::kLocationState:
      return keys_.locationStatePrefix();
  }
  return keys_.root() + "/";
}

Result<std::vector<CheckRecords>> Store::readCheckRecords(const std::vector<std::string>& names) {
  // Three point reads per check, 40 checks per txn: etcd allows 128 operations in one.
  constexpr size_t kChecksPerTxn = 40;
  std::vector<CheckRecords> out;
  out.reserve(names.size());
  for (size_t i = 0; i < names.size(); i += kChecksPerTxn) {
    const size_t end = std::min(names.size(), i + kChecksPerTxn);
    std::vector<etcd::TxnOp> ops;
    ops.reserve(3 * (end - i));
    for (size_t k = i; k < end; ++k) {
      ops.push_back(etcd::TxnOp::get(keys_.monitor(Keys::monitorNameOf(names[k]))));
      ops.push_back(etcd::TxnOp::get(keys_.state(names[k])));
      ops.push_back(etcd::TxnOp::get(keys_.incident(names[k])));
    }
    auto res = client_->txn({}, ops);
    if (!res) {
      return tl::unexpected(res.error());
    }
    if (res->responses.size() != ops.size()) {
      return fail(Errc::kInternal, "etcd: short txn answer reading checks");
    }
    for (size_t k = 0; k < end - i; ++k) {
      out.push_back({.monitor = first(res->responses[3 * k]),
                     .state = first(res->responses[3 * k + 1]),
                     .incident = first(res->responses[3 * k + 2])});
    }
  }
  return out;
}

Result<etcd::RangeResult> Store::listRecords(RecordKind kind, int64_t page_size) {
  return client_->listPrefix(prefixOf(kind), page_size);
}

Result<int64_t> Store::forEachRecordPage(
    RecordKind kind, int64_t page_size, int64_t revision,
    const std::function<void(std::vector<etcd::KeyValue>&)>& take) {
  return etcd::forEachPage(*client_, prefixOf(kind), page_size, revision, take);
}

Result<etcd::RangeResult> Store::listRecordKeys(RecordKind kind, int64_t revision) {
  return client_->range(prefixOf(kind), {.prefix = true, .revision = revision, .keys_only = true});
}

Result<CheckPage> Store::readCheckPage(const std::string& from, const std::string& end,
                                       int64_t limit, int64_t revision) {
  auto page = client_->range(from, {.limit = limit, .revision = revision, .range_end = end});
  if (!page) {
    return tl::unexpected(page.error());
  }
  CheckPage out;
  out.revision = page->revision;
  out.more = page->more;
  if (page->kvs.empty()) {
    return out;
  }
  // The same name range under state/ (raw key suffixes: the bounds need not be valid names),
  // at the page's revision.
  const size_t skip = keys_.monitorPrefix().size();
  std::string lo = page->kvs.front().key.substr(skip);
  std::string hi = page->kvs.back().key.substr(skip);
  auto st = client_->range(keys_.state(lo),
                           {.revision = page->revision, .range_end = keys_.state(hi) + '\0'});
  if (!st) {
    return tl::unexpected(st.error());
  }
  out.monitors = std::move(page->kvs);
  out.states = std::move(st->kvs);
  return out;
}

Result<std::optional<CheckStateRecord>> Store::getState(const std::string& check) {
  auto read = client_->range(keys_.state(check));
  if (!read) {
    return tl::unexpected(read.error());
  }
  if (read->kvs.empty()) {
    return std::optional<CheckStateRecord>();
  }
  auto state = decodeState(read->kvs[0].value);
  if (!state) {
    rejections().reject(read->kvs[0], "check state: " + state.error().message);
    return std::optional<CheckStateRecord>();
  }
  return std::optional<CheckStateRecord>(std::move(*state));
}

Result<StatesWrite> Store::putStates(const std::vector<CheckStateRecord>& states) {
  // Each put only while its monitor exists: a result that was pending when the monitor was
  // deleted must not bring back the state key the director just deleted. If a compare
  // fails, the other branch reads those monitors to say which are gone.
  std::vector<etcd::Compare> exists;
  std::vector<etcd::TxnOp> ops;
  std::vector<etcd::TxnOp> reads;
  for (const auto& s : states) {
    exists.push_back(etcd::Compare::version(keys_.monitor(Keys::monitorNameOf(s.check)),
                                            etcd::Compare::kGreater, 0));
    ops.push_back(etcd::TxnOp::put(keys_.state(s.check), checkStateText(s)));
    reads.push_back(etcd::TxnOp::get(keys_.monitor(Keys::monitorNameOf(s.check))));
  }
  auto res = client_->txn(exists, ops, reads);
  if (!res) {
    return tl::unexpected(res.error());
  }
  StatesWrite out;
  out.written = res->succeeded;
  if (!res->succeeded) {
    for (size_t i = 0; i < states.size() && i < res->responses.size(); ++i) {
      if (res->responses[i].kvs.empty()) {
        out.gone.push_back(states[i].check);
      }
    }
  }
  return out;
}

size_t Store::configPutBytes(ConfigKind kind, const std::string& name,
                             const std::string& value) const {
  return etcd::requestBytes(etcd::TxnOp::put(keyFor(kind, name), value));
}

}  // namespace ninevolt::store

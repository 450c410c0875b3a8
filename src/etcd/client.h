#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace ninevolt::etcd {

// etcd v3 over native gRPC (see ../shared/NOTES-etcd.md for the measured pitfalls).
//
// Thread-safety: every Client method may be called from any thread concurrently.
// Every unary call has a deadline (ClientOptions::call_timeout) and reports a lost
// connection as Errc::kUnavailable / kDeadlineExceeded; nothing here blocks forever.

struct TlsOptions {
  std::string ca_file;    // PEM; empty = system roots
  std::string cert_file;  // PEM client certificate (optional, with key_file)
  std::string key_file;
};

struct ClientOptions {
  // "http://host:port", "https://host:port" or "host:port". https:// (or a non-empty
  // tls.ca_file) selects TLS. Several endpoints = failover: calls go to a healthy one.
  std::vector<std::string> endpoints;
  std::string username;  // user:pass auth; the token is fetched and refreshed on expiry
  std::string password;
  TlsOptions tls;
  std::chrono::milliseconds call_timeout{5000};
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

struct RangeOptions {
  bool prefix = false;   // all keys starting with key
  int64_t limit = 0;     // 0 = no limit
  int64_t revision = 0;  // 0 = latest
  bool keys_only = false;
  bool count_only = false;
  // Non-empty: read the keys in [key, range_end) (prefix is then ignored).
  std::string range_end;
  // Keys highest first; with limit, the last keys of the range (newest-first listings).
  bool descending = false;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t count = 0;     // keys in the range (also when limited or count_only)
  bool more = false;     // limit cut the result
  int64_t revision = 0;  // store revision the read was served at
};

struct PutOptions {
  int64_t lease = 0;
  bool prev_kv = false;
};

struct PutResult {
  int64_t revision = 0;
  std::optional<KeyValue> prev;  // set when prev_kv was asked and the key existed
};

struct DeleteResult {
  int64_t deleted = 0;
  int64_t revision = 0;
};

// One comparison of a txn. Build with the static helpers:
//   Compare::createRevision("/9volt/cluster/director", Compare::kEqual, 0)  // absent
struct Compare {
  enum Target { kValue, kVersion, kCreateRevision, kModRevision, kLease };
  enum Op { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = kVersion;
  Op op = kEqual;
  int64_t number = 0;      // for version / create / mod revision / lease
  std::string value_text;  // for kValue (not `value`: that name is the builder below)

  static Compare value(std::string key, Op op, std::string value);
  static Compare version(std::string key, Op op, int64_t version);
  static Compare createRevision(std::string key, Op op, int64_t revision);
  static Compare modRevision(std::string key, Op op, int64_t revision);
  static Compare lease(std::string key, Op op, int64_t lease);
};

// One operation of a txn branch.
struct TxnOp {
  enum Kind { kPut, kDelete, kGet };
  Kind kind = kGet;
  std::string key;
  std::string value;      // kPut
  int64_t lease = 0;      // kPut
  bool prefix = false;    // kDelete / kGet over a prefix
  std::string range_end;  // kDelete / kGet over [key, range_end) (prefix then ignored)

  static TxnOp put(std::string key, std::string value, int64_t lease = 0);
  static TxnOp del(std::string key, bool prefix = false);
  static TxnOp delRange(std::string key, std::string range_end);
  static TxnOp get(std::string key, bool prefix = false);
};

struct TxnResult {
  bool succeeded = false;  // the compares held; the success branch ran
  int64_t revision = 0;
  // One entry per op of the branch that ran, in order; filled for kGet ops, empty otherwise.
  std::vector<RangeResult> responses;
};

struct StatusInfo {
  std::string version;         // etcd server version
  int64_t db_size = 0;         // bytes of the backend file (what the quota is checked against)
  int64_t db_size_in_use = 0;  // of which in use (the rest is freed by a defragmentation)
  uint64_t leader = 0;
  uint64_t member_id = 0;
  int64_t revision = 0;
  // What the member reports wrong: its active alarms ("memberID:... alarm:NOSPACE"; while
  // NOSPACE is raised etcd refuses every write but deletes) and "no leader".
  std::vector<std::string> errors;
};

struct LeaseInfo {
  int64_t id = 0;
  int64_t ttl = -1;  // seconds left; -1 = the lease does not exist (expired or revoked)
  int64_t granted_ttl = 0;
};

class Client {
 public:
  // Connects lazily: construction never blocks. Invalid options (no endpoint, bad URL,
  // unreadable TLS file) are reported by create().
  static Result<std::shared_ptr<Client>> create(ClientOptions options);

  virtual ~Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  virtual Result<RangeResult> range(const std::string& key, const RangeOptions& options = {}) = 0;
  // Reads a whole prefix in pages of page_size keys at one pinned revision (so the
  // listing is a consistent snapshot of any size).
  virtual Result<RangeResult> listPrefix(const std::string& prefix, int64_t page_size = 1000) = 0;
  virtual Result<PutResult> put(const std::string& key, const std::string& value,
                                const PutOptions& options = {}) = 0;
  virtual Result<DeleteResult> del(const std::string& key, bool prefix = false) = 0;
  virtual Result<TxnResult> txn(const std::vector<Compare>& compares,
                                const std::vector<TxnOp>& success,
                                const std::vector<TxnOp>& failure = {}) = 0;

  virtual Result<int64_t> grantLease(std::chrono::seconds ttl) = 0;
  virtual Result<void> revokeLease(int64_t id) = 0;
  virtual Result<LeaseInfo> leaseTimeToLive(int64_t id) = 0;

  virtual Result<StatusInfo> status() = 0;

  // Discards history before revision (KV.Compact); watches from an older revision then
  // resync. Not pure so that test fakes of Client need not implement it.
  virtual Result<void> compact(int64_t revision, bool physical = false) {
    return fail(Errc::kInvalidArgument, "compact is not supported by this client");
  }

  const ClientOptions& options() const { return options_; }

 protected:
  explicit Client(ClientOptions options) : options_(std::move(options)) {}
  ClientOptions options_;
};

// The end of the key range covering every key that starts with prefix ("" -> "\0").
std::string prefixRangeEnd(const std::string& prefix);

// Reads every key under prefix in pages of page_size at `revision` (0: the first page's,
// which then pins the rest), handing each page to `take` before the next is read, so memory
// is bounded by a page. Returns the revision read at. One call per page, each with its own
// deadline; a compaction of `revision` meanwhile fails with Errc::kCompacted.
Result<int64_t> forEachPage(Client& client, const std::string& prefix, int64_t page_size,
                            int64_t revision,
                            const std::function<void(std::vector<KeyValue>& page)>& take);

}  // namespace ninevolt::etcd

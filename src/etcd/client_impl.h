#pragma once

// Private to src/etcd: the gRPC-backed Client, shared by Watcher and LeaseKeeper (which
// need its channels and auth token to open streams). Not part of the component interface.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/client.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace ninevolt::etcd::detail {

using Clock = std::chrono::steady_clock;

// gRPC deadlines take system_clock; we measure with steady_clock (immune to clock steps).
inline std::chrono::system_clock::time_point toGrpc(Clock::time_point deadline) {
  return std::chrono::system_clock::now()
         + std::chrono::duration_cast<std::chrono::system_clock::duration>(deadline - Clock::now());
}

struct Endpoint {
  std::string url;  // as configured, for messages
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  std::unique_ptr<etcdserverpb::Auth::Stub> auth;
};

class ClientImpl final : public Client {
 public:
  ClientImpl(ClientOptions options, std::vector<std::unique_ptr<Endpoint>> endpoints);

  Result<RangeResult> range(const std::string& key, const RangeOptions& options) override;
  Result<RangeResult> listPrefix(const std::string& prefix, int64_t page_size) override;
  Result<PutResult> put(const std::string& key, const std::string& value,
                        const PutOptions& options) override;
  Result<DeleteResult> del(const std::string& key, bool prefix) override;
  Result<TxnResult> txn(const std::vector<Compare>& compares, const std::vector<TxnOp>& success,
                        const std::vector<TxnOp>& failure) override;
  Result<int64_t> grantLease(std::chrono::seconds ttl) override;
  Result<void> revokeLease(int64_t id) override;
  Result<LeaseInfo> leaseTimeToLive(int64_t id) override;
  Result<StatusInfo> status() override;
  Result<void> compact(int64_t revision, bool physical) override;

  // For streams (watch, keep-alive): waits until deadline for a connected endpoint and
  // puts the auth token into ctx. *token_used receives the token sent ("" = none), so
  // that a stream refused for an expired token can call invalidateToken() with it.
  Result<Endpoint*> prepareStream(grpc::ClientContext& ctx, const char* op,
                                  const std::string& subject, Clock::time_point deadline,
                                  std::string* token_used);
  // Drops token if it is still the current one, so that the next call authenticates again.
  void invalidateToken(const std::string& token);
  std::string allEndpoints() const;

  // One unary call with a deadline, auth, failover to the next endpoint on UNAVAILABLE and
  // one re-authentication on an invalid/expired token; timed and counted (metrics.h).
  template <typename Resp>
  Result<Resp> unary(
      const char* op, const std::string& subject,
      const std::function<grpc::Status(Endpoint&, grpc::ClientContext*, Resp*)>& rpc);

 private:
  template <typename Resp>
  Result<Resp> unaryCall(
      const char* op, const std::string& subject,
      const std::function<grpc::Status(Endpoint&, grpc::ClientContext*, Resp*)>& rpc);
  Result<RangeResult> rangeRequest(const char* op, const std::string& subject,
                                   const etcdserverpb::RangeRequest& req);
  Result<RangeResult> listOnce(const std::string& prefix, int64_t page_size);
  // A connected (READY) endpoint, preferring the last good one, waiting until deadline.
  // With a single endpoint and !require_ready it returns it at once: the call itself then
  // waits for the connection (wait_for_ready), which is the fastest way back after a restart.
  std::optional<size_t> pickEndpoint(Clock::time_point deadline, bool require_ready);
  // The token to send ("" when no credentials are configured or auth is off on the server).
  Result<std::string> token(Clock::time_point deadline);

  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> current_{0};

  std::mutex auth_mu_;  // serialises Authenticate calls so an expiry causes one, not N
  std::mutex token_mu_;
  std::optional<std::string> token_;  // nullopt = not fetched yet
};

// The ClientImpl behind a Client made by Client::create(); nullptr for any other Client.
std::shared_ptr<ClientImpl> asImpl(const std::shared_ptr<Client>& client);

// Is this a refusal that a fresh token would fix?
bool isTokenError(const grpc::Status& status);

}  // namespace ninevolt::etcd::detail

#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "common/result.h"
#include "etcd/client.h"

namespace ninevolt::etcd {

// Keeps one lease alive over a LeaseKeepAlive stream, sending a keep-alive every ttl/3.
// Rides out stream failures (re-creates the stream) for as long as the lease can still be
// alive; once etcd answers TTL=0, or no keep-alive succeeded for a whole TTL, on_lost is
// called once (on the keeper's own thread) and the keeper stops.
//
// The destructor stops the thread; on_lost is never called after it returns (do not
// destroy the keeper from inside on_lost). It does not revoke the lease.
class LeaseKeeper {
 public:
  struct Options {
    int64_t lease_id = 0;
    std::chrono::seconds ttl{5};
    std::function<void(const Error&)> on_lost;
  };

  LeaseKeeper(std::shared_ptr<Client> client, Options options);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool alive() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ninevolt::etcd

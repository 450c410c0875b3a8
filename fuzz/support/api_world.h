#pragma once

// The /api/v1 routes over an in-memory etcd, for the fuzz targets that drive the HTTP
// request path and the etcd value readers. Handlers run inline, as the server runs them
// (Router::resolve on the loop, the handler under a catch that answers 500).

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "api/router.h"
#include "api/v1/stream_hub.h"
#include "store/store.h"
#include "support/memory_etcd.h"

namespace ninevolt::fuzz {

class ApiWorld {
 public:
  ApiWorld();
  ~ApiWorld();

  // Back to the seed data, with a fresh Store (its memory of rejected keys would grow from
  // run to run). The world is seeded when it is built; a run puts it back when it ends
  // (RunScope), so that runs do not depend on each other.
  void reseed();

  // One input's run: the world is at the seed data when the run starts and is put back to
  // it when the run ends. A run that reseeded at its start instead kept its own keys and
  // Store alive until the next run freed them: about half the runs then allocated more than
  // they freed, and libFuzzer runs each such input again to look for a leak (and scans the
  // whole heap when the second run does too). Now a run frees what it allocates;
  // `fuzz_<name> --check-balance` (the ctest replay) fails when one does not.
  class RunScope {
   public:
    explicit RunScope(ApiWorld& world) : world_(world) {}
    ~RunScope() { world_.reseed(); }
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

   private:
    ApiWorld& world_;
  };

  // The answer to a request, as the server would give it: the open router unless the
  // request carries a token (X-Access-Token or Authorization), then the one that checks
  // tokens ("rw-token" read-write, "ro-token" read-only). A handler that throws answers 500.
  api::Response answer(api::Request request);
  // Every answer is one the server can send: a known status, never 500 (bad input is the
  // client's error, 4xx), a JSON body that parses when it says it is JSON.
  static void checkAnswer(const api::Request& request, const api::Response& response);

  testing::MemoryEtcd& etcd() { return *etcd_; }
  store::Store& store() { return *store_; }
  std::shared_ptr<store::Store> sharedStore() { return store_; }

 private:
  std::shared_ptr<testing::MemoryEtcd> etcd_;
  std::shared_ptr<store::Store> store_;
  boost::asio::io_context io_;
  std::shared_ptr<api::v1::StreamHub> hub_;
  api::Router open_;
  api::Router guarded_;
};

// The seed data: the examples' monitors and alerter, two members, a director, assignments,
// state, an incident, events and the cluster config, as 9volt writes them.
void seedCluster(testing::MemoryEtcd& etcd, const store::Keys& keys);

}  // namespace ninevolt::fuzz

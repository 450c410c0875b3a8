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

  // Back to the seed data (reseed()) before each input, so that runs do not depend on each
  // other.
  void reseed();
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

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/router.h"
#include "store/store.h"

namespace ninevolt::api::v1 {

class StreamHub;

// What the /api/v1 handlers need. Every handler reads etcd through the store (so any member
// answers any request, e.g. behind a load balancer) and is registered `blocking`: it runs on
// the HTTP server's worker pool, never on the loop.
struct Context {
  std::shared_ptr<store::Store> store;
  // Exec monitors run commands on every member: created or changed through the API only
  // when the server was started with --api-allow-exec (`9volt cfg` is not limited).
  bool allow_exec = false;
  // The router's authorizer, for the one GET that writes (?disable=); may be empty (open).
  Authorizer authorize;
  // GET /api/v1/stream (Server-Sent Events); the route exists only when set. Lives on the
  // HTTP server's loop.
  std::shared_ptr<StreamHub> stream;
  // This member's id: push records say which member took the push.
  std::string member_id;
  // Records an info event of `kind` (store/event.h) about a check: kind, check, message.
  std::function<void(const char*, const std::string&, const std::string&)> on_event;
};

// Registers every /api/v1 route (see docs/api.md).
void addRoutes(Router& router, const Context& context);

void addConfigRoutes(Router& router, const Context& context);   // monitor, alerter
void addStateRoutes(Router& router, const Context& context);    // state
void addClusterRoutes(Router& router, const Context& context);  // cluster, orphans
void addEventRoutes(Router& router, const Context& context);    // event
void addStreamRoutes(Router& router, const Context& context);   // stream (if context.stream)
void addTypeRoutes(Router& router, const Context& context);     // types
void addPushRoutes(Router& router, const Context& context);     // push (heartbeats)
void addSilenceRoutes(Router& router, const Context& context);  // silence
void addAckRoutes(Router& router, const Context& context);      // ack
void addStormRoutes(Router& router, const Context& context);    // storm (alert storms)

}  // namespace ninevolt::api::v1

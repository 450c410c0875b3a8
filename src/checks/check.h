#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "checks/result.h"
#include "config/spec.h"

namespace ninevolt::store {
class Store;
}

namespace ninevolt::checks {

// One configured check, bound to one engine loop (io_context). Everything a check does is
// non-blocking on that loop: asio sockets, libcurl multi, pidfd. All methods are called on
// the loop's thread, and `done` is called on it too.
//
// Contract:
// - start() begins one run. `done` is called exactly once per start(), later (never from
//   inside start()), unless cancel() is called first. The engine never calls start() while
//   a run is in flight.
// - The check enforces spec.timeout itself: a run that times out completes with kCritical
//   and a message naming the phase that timed out ("timed out after 3s while connecting").
// - cancel() aborts an in-flight run and releases what it holds (sockets closed, processes
//   killed and reaped); `done` is not called after cancel() returns. Safe when idle.
// - The check fills status, message, phases and values of the CheckResult; the caller
//   (engine) stamps time and duration.
// - The destructor cancels.
class Check {
 public:
  using DoneFn = std::function<void(CheckResult)>;

  virtual ~Check() = default;
  virtual void start(DoneFn done) = 0;
  virtual void cancel() = 0;
  // True when a run starts a process (exec). Starting one blocks the loop for a spawn
  // (~0.7 ms here) and a running one holds a process and three descriptors, so the engine
  // limits how many start per loop turn and how many run at once.
  virtual bool startsProcess() const { return false; }
};

// What the process gives every type's factory (src/checks/builtin.h).
struct FactoryContext {
  // Sent by checks that speak a protocol with one (http: User-Agent); the server sets
  // "9volt/<version> (member <id>)" so a target's logs tell which member ran the check.
  std::string user_agent = "9volt";
  // The cluster's etcd, for types that judge what other members record there (push reads the
  // pushes any member took). Null in `9volt check`, which runs no cluster.
  std::shared_ptr<store::Store> store;
};

// Makes checks of one type. Factories are stateless or hold only process-wide settings;
// per-loop shared state (a curl multi handle, say) lives in an asio service of the loop
// (boost::asio::use_service), so many loops never share it.
class CheckFactory {
 public:
  virtual ~CheckFactory() = default;
  // The check keeps what it needs of the spec: the shared spec itself (exec, dns) or a
  // compact copy of a few fields (http, tcp: cheaper per check than the whole spec).
  virtual std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                        boost::asio::io_context& io) const = 0;
  // A spec not shared yet (`9volt check`, tests).
  std::unique_ptr<Check> create(const config::MonitorSpec& spec,
                                boost::asio::io_context& io) const {
    return create(config::shareMonitor(spec), io);
  }
};

}  // namespace ninevolt::checks

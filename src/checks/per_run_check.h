#pragma once

#include <memory>
#include <type_traits>

#include <boost/asio/io_context.hpp>

#include "checks/check.h"

namespace ninevolt::checks {

// A Check whose every start() creates one Run object holding that run's resources
// (sockets, processes, timers). The Run is shared with its pending asio handlers, so it may
// outlive cancel() until asio drops them; cancel() must make it release everything and
// never call `done` afterwards. A finished run is released as it reports, so an idle check
// holds only its settings (an exec run's 64 KiB read buffer, a tcp run's sockets and timers
// would otherwise stay until the next start). Run needs:
//   using Settings = ...;  // what a run reads of its monitor, constructible from a
//                          // MonitorSpec: kept for as long as the check is owned, so a
//                          // type that needs a few fields keeps those, not the whole spec;
//                          // or MonitorSpec itself: the shared spec, no copy (forMonitor)
//   Run(std::shared_ptr<const Settings>, boost::asio::io_context&, Check::DoneFn)
//   void start();  void cancel();  static constexpr bool kStartsProcess;
// A factory whose settings need more than the spec (a shared TLS context, credentials)
// builds them itself and passes them in.
template <typename Run>
class PerRunCheck final : public Check {
 public:
  PerRunCheck(std::shared_ptr<const typename Run::Settings> settings, boost::asio::io_context& io)
      : settings_(std::move(settings)), io_(io) {}
  // Settings made from the spec, or the shared spec itself when Settings is MonitorSpec.
  static std::unique_ptr<Check> forMonitor(const config::SharedMonitor& spec,
                                           boost::asio::io_context& io) {
    if constexpr (std::is_same_v<typename Run::Settings, config::MonitorSpec>) {
      return std::make_unique<PerRunCheck>(spec, io);
    } else {
      return std::make_unique<PerRunCheck>(std::make_shared<const typename Run::Settings>(*spec),
                                           io);
    }
  }
  ~PerRunCheck() override {
    try {
      cancel();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; nothing to do
    }
  }
  PerRunCheck(const PerRunCheck&) = delete;
  PerRunCheck& operator=(const PerRunCheck&) = delete;

  void start(DoneFn done) override {
    cancel();
    // Every Run calls `done` from a handler that holds its own reference to the Run, so
    // dropping ours inside the callback is safe. Dropped before `done` runs: `done` may
    // start the next run, or destroy this check.
    run_ = std::make_shared<Run>(settings_, io_,
                                 [this, done = std::move(done)](CheckResult r) mutable {
                                   DoneFn report = std::move(done);
                                   run_.reset();
                                   report(std::move(r));
                                 });
    run_->start();
  }

  bool startsProcess() const override { return Run::kStartsProcess; }

  void cancel() override {
    if (run_) {
      run_->cancel();
      run_.reset();
    }
  }

 private:
  std::shared_ptr<const typename Run::Settings> settings_;  // shared with runs that outlive this
  boost::asio::io_context& io_;
  std::shared_ptr<Run> run_;
};

}  // namespace ninevolt::checks

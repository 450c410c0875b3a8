#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "engine/engine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// A member that knows when it is the problem (cluster config `canaries`; docs/locations.md):
// every member runs the monitors named there itself, in its engine as `canary:<name>`, with
// their own thresholds; their results go nowhere else (no state key, no alert). When every
// canary is CRITICAL the member is degraded: on_change(true) (the node holds its engine's
// verdicts and marks its member record, so the director moves its checks away and the
// cluster alerter is told); when one passes again, on_change(false). A canary whose monitor
// is missing or invalid never fails, so a typo cannot degrade every member. Specs are read
// again every 30 s (edits), every 2 s while one is missing. Runs on the cluster loop;
// onResult() from any thread.
class Canaries {
 public:
  struct Options {
    std::function<void(bool degraded, const std::string& why)> on_change;  // loop
    std::chrono::milliseconds refresh{std::chrono::seconds(30)};
  };

  Canaries(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
           std::shared_ptr<engine::Engine> engine, Options options);
  Canaries(const Canaries&) = delete;
  Canaries& operator=(const Canaries&) = delete;

  void set(const std::vector<std::string>& names);  // loop
  void start();                                     // loop: (re)read and run them
  void stop();                                      // loop: out of the engine
  void onResult(const engine::RunReport& report);   // any thread
  bool degraded() const { return degraded_; }       // loop

  static bool isCanary(std::string_view engine_name) {
    return engine_name.starts_with(engine::Engine::kCanaryPrefix);
  }

 private:
  void refresh();  // read the specs and run them
  void schedule();
  void judge();

  std::shared_ptr<store::Store> store_;
  std::shared_ptr<engine::Engine> engine_;
  Options options_;
  boost::asio::steady_timer timer_;
  bool running_ = false;
  std::vector<std::string> names_;
  std::set<std::string> in_engine_;  // engine names
  struct Last {
    state::CheckState state = state::CheckState::kOk;
    std::string message;
  };
  std::map<std::string, Last> last_;  // canary name -> its last result here
  std::set<std::string> reported_;    // canaries whose monitor is missing, said so
  bool degraded_ = false;
  boost::asio::io_context& io_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster

#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "checks/registry.h"
#include "engine/engine.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Confirm before paging (monitor field `confirm`; docs/locations.md): both sides of one
// member's confirmations, through etcd (store/confirm.h).
// - Asking (ask(), from the engine): another live member that may run the check (its
//   member-tag), in another location when there is one, chosen by rendezvous weight, gets a
//   request key; its answer comes back through a watch. Nobody to ask, etcd not answering,
//   or no answer within the check's timeout + 1 s: the owner decides alone and says why.
// - Answering: requests to this member are run once (engine::runOnce, the spec read from
//   etcd) on a pool of two threads, at most `max_runs` at once (beyond: "busy", and the asker
//   decides alone), and the result is put for the asker.
// Its own thread and etcd calls (1 s deadline each): nothing here blocks the engine or the
// cluster loop.
class Confirmer {
 public:
  struct Options {
    std::string member_id;
    std::string location;
    std::shared_ptr<const checks::Registry> registry;
    size_t max_runs = 8;
    std::chrono::milliseconds extra{1000};  // beyond the check's timeout
  };

  Confirmer(std::shared_ptr<store::Store> store, Options options);
  ~Confirmer();
  Confirmer(const Confirmer&) = delete;
  Confirmer& operator=(const Confirmer&) = delete;

  // The member's lease (0: none): requests and answers live on it. The first one starts the
  // watches. Any thread.
  void setLease(int64_t lease);
  // engine::ConfirmFn. Any thread; `done` is called once, on this confirmer's thread.
  void ask(const config::SharedMonitor& spec, const checks::CheckResult& result,
           std::function<void(engine::ConfirmAnswer)> done);
  // Pending asks are answered "alone"; the threads end. Idempotent.
  void stop();

  uint64_t asked() const { return asked_; }
  uint64_t answered() const { return answered_; }

 private:
  struct Pending {
    std::string to;
    std::function<void(engine::ConfirmAnswer)> done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  void startWatches();  // io thread
  void askNow(const config::SharedMonitor& spec, std::chrono::steady_clock::time_point deadline,
              std::function<void(engine::ConfirmAnswer)> done);  // io thread
  // Who runs it for us: "" when nobody may.
  std::string pick(const config::MonitorSpec& spec,
                   const std::vector<store::MemberInfo>& members) const;
  void onAnswers(const etcd::WatchUpdate& u);                        // watch thread
  void onRequests(const etcd::WatchUpdate& u);                       // watch thread
  void answer(store::ConfirmRequest request);                        // a pool thread
  void finish(const std::string& id, engine::ConfirmAnswer answer);  // io thread

  std::shared_ptr<store::Store> store_;  // with a 1 s call deadline
  Options options_;
  std::atomic<int64_t> lease_{0};
  std::atomic<bool> watching_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int> running_answers_{0};
  std::atomic<uint64_t> asked_{0};
  std::atomic<uint64_t> answered_{0};
  uint64_t seq_ = 0;                        // io thread
  std::map<std::string, Pending> pending_;  // io thread: id -> ask
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  // Answers' runs, started with the first request (a member nobody asks has no such threads).
  std::mutex runs_mu_;
  std::optional<boost::asio::thread_pool> runs_;
  boost::asio::thread_pool& runs();  // with runs_mu_ held
  std::unique_ptr<etcd::Watcher> requests_watch_;
  std::unique_ptr<etcd::Watcher> answers_watch_;
  std::thread thread_;
};

}  // namespace ninevolt::cluster

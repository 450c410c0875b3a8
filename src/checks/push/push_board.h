#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "common/result.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::checks::push {

// This member's copy of every push record (/9volt/push/, store/push.h), kept by one watch,
// and a thread for the few etcd calls push checks make (starting a deadline, confirming a
// missed push). One per process, shared by the push checks of every engine loop; it starts
// its thread and reads etcd when the first push check asks. Thread-safe.
class PushBoard {
 public:
  explicit PushBoard(std::shared_ptr<store::Store> store);
  ~PushBoard();
  PushBoard(const PushBoard&) = delete;
  PushBoard& operator=(const PushBoard&) = delete;

  struct Look {
    // False until the records were read once, and while the watch is broken: then a record
    // may be older than what etcd has, and a check must not call a push missed from it.
    bool synced = false;
    std::optional<store::PushRecord> record;
  };
  Look look(const std::string& check);

  // On the board's thread; `done` is called there (post back to your loop).
  void arm(const std::string& check, common::SystemTime now,
           std::function<void(Result<store::PushRecord>)> done);
  void read(const std::string& check,
            std::function<void(Result<std::optional<store::PushRecord>>)> done);

 private:
  boost::asio::thread_pool& pool();  // started on first use; with mu_ held
  void startLoading();               // with mu_ held
  void load();  // on the pool: read everything, then watch (retried until stopped)
  void onUpdate(const store::PushWatchUpdate& u);

  std::shared_ptr<store::Store> store_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;
  bool loading_ = false;
  bool synced_ = false;
  std::map<std::string, store::PushRecord> records_;
  std::unique_ptr<etcd::Watcher> watch_;  // set by load(), reset by the destructor
  // Started with the first push check ("9v-push"): a member without any has no such thread.
  std::optional<boost::asio::thread_pool> pool_;
};

}  // namespace ninevolt::checks::push

#pragma once

#include <functional>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace ninevolt::testing {

// An io_context run on a thread of its own, as the server runs its cluster loop: tests
// create loop-only objects (Director, StatePublisher, ...) and call them through onLoop().
class LoopThread {
 public:
  LoopThread() : thread_([this] { io_.run(); }) {}
  ~LoopThread() { join(); }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Runs fn on the loop and waits for it (and for everything posted before it).
  void onLoop(const std::function<void()>& fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Lets the loop finish what is queued and waits for its thread (destroy loop objects first).
  void join() {
    work_.reset();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      boost::asio::make_work_guard(io_)};
  std::thread thread_;  // last: starts once io_ and work_ exist
};

}  // namespace ninevolt::testing

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::bench {

// Targets for tcp checks that the chaos run can take down and bring back: `n` listeners on
// 127.0.0.1 (free ports), each accepting and closing at once (a tcp check only connects).
// setOpen(i, false) closes listener i, so connections to its port are refused (the check
// fails with reason `connect`); setOpen(i, true) listens on the same port again.
// One thread of its own; every method may be called from any thread.
class TcpListeners {
 public:
  explicit TcpListeners(size_t n);
  ~TcpListeners();
  TcpListeners(const TcpListeners&) = delete;
  TcpListeners& operator=(const TcpListeners&) = delete;

  size_t size() const { return listeners_.size(); }
  uint16_t port(size_t i) const { return listeners_[i]->port; }
  // Blocks until the listener is closed or listening again; false if the port could not be
  // bound again (someone else took it meanwhile).
  bool setOpen(size_t i, bool open);
  uint64_t accepts(size_t i) const { return listeners_[i]->accepts.load(); }

 private:
  struct Listener {
    explicit Listener(boost::asio::io_context& io) : acceptor(io) {}
    boost::asio::ip::tcp::acceptor acceptor;
    uint16_t port = 0;
    std::atomic<uint64_t> accepts{0};
  };
  bool listen(Listener& l, uint16_t port);  // io thread (or before it runs)
  void accept(Listener& l);                 // io thread

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      boost::asio::make_work_guard(io_)};
  std::thread thread_;
};

}  // namespace ninevolt::bench

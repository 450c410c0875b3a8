#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::bench {

// One request seen by the target: which check ran, on which member, when.
struct RunRecord {
  int64_t ms = 0;       // system clock, milliseconds since the epoch
  uint32_t check = 0;   // the number in the path /c<number>
  uint16_t member = 0;  // index in the target's member table (from the User-Agent)
};

// The http target of the cluster benchmark: answers every GET with 200 and logs
// (time, check, member) for it, so the harness can tell which member ran which check and
// when. Checks request /c<number>; 9volt's http check sends the User-Agent
// "9volt/<version> (member <id>)". Listens on `ports` loopback ports (each destination
// has its own ephemeral-port space, so TIME_WAIT on one does not starve the others).
// One thread of its own; log() and members() may be called from any thread.
class CheckTarget {
 public:
  explicit CheckTarget(size_t ports);
  ~CheckTarget();
  CheckTarget(const CheckTarget&) = delete;
  CheckTarget& operator=(const CheckTarget&) = delete;

  const std::vector<uint16_t>& ports() const { return ports_; }
  // A copy of every record so far, in arrival order.
  std::vector<RunRecord> log() const;
  size_t logSize() const;
  // Member ids in index order (RunRecord::member); index 0 is "unknown".
  std::vector<std::string> members() const;
  uint64_t badRequests() const { return bad_.load(); }
  // Every request answered 500 from now on (an outage of every target), or 200 again.
  void setFailing(bool failing) { failing_ = failing; }

 private:
  class Session;
  void accept(size_t i);
  void record(const std::string& path, const std::string& user_agent);

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> ports_;
  mutable std::mutex mu_;
  std::vector<RunRecord> log_;
  std::vector<std::string> members_{"?"};
  std::atomic<uint64_t> bad_{0};
  std::atomic<bool> failing_{false};
  std::thread thread_;
};

}  // namespace ninevolt::bench

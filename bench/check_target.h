#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
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
  // The checks whose number is a multiple of `every` (0: none) answer 500 while `down`:
  // the soak's flapping tenth.
  void setFlapping(uint32_t every, bool down) {
    flap_every_ = every;
    flap_down_ = down;
  }
  // Off: requests are answered but not logged (an hour of 100,000 checks is 6 M records).
  void setLogging(bool on) { logging_ = on; }

 private:
  class Session;
  void accept(size_t i);
  // Logs the request; the check's number, or nullopt for a path that names none.
  std::optional<uint32_t> record(const std::string& path, const std::string& user_agent);

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> ports_;
  mutable std::mutex mu_;
  std::vector<RunRecord> log_;
  std::vector<std::string> members_{"?"};
  std::atomic<uint64_t> bad_{0};
  std::atomic<bool> failing_{false};
  std::atomic<uint32_t> flap_every_{0};
  std::atomic<bool> flap_down_{false};
  std::atomic<bool> logging_{true};
  std::thread thread_;
};

}  // namespace ninevolt::bench

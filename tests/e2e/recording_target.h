#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::e2e {

// One request the target received.
struct Hit {
  int64_t at_ms = 0;     // when it arrived, on the target's clock (nowMs())
  std::string check;     // <name> of "/c/<name>[/...]"; "" for other paths
  std::string member;    // <id> of the User-Agent's "(member <id>)"; "?" when absent
  std::string path;      // the request target as sent
  bool aborted = false;  // the client went away before a held answer was sent
};

// The check target of the end-to-end tests: a real HTTP server on 127.0.0.1 (port 0, its own
// thread) that records, compactly, every request with its arrival time and the member that
// sent it (9volt's http check sends `9volt/<version> (member <id>)`). Routes:
//   /c/<name>                 200, or the status set with setStatus(name) (or 500 and 200
//                             by turns)
//   /c/<name>/hold/<ms>[...]  the same after <ms> milliseconds; a client that closes the
//                             connection meanwhile (a check restarted or removed while its
//                             run was in flight) is recorded as aborted
//   anything else             200
// Thread-safe. Compact on purpose: 3,000 checks at 5 s are 600 requests a second, and the
// tests read the records many times a second.
class RecordingTarget {
 public:
  RecordingTarget();
  ~RecordingTarget();
  RecordingTarget(const RecordingTarget&) = delete;
  RecordingTarget& operator=(const RecordingTarget&) = delete;

  uint16_t port() const { return port_; }
  int64_t nowMs() const;
  size_t count() const;
  // Records [from, count()) (indexes are stable: records are only appended).
  std::vector<Hit> hits(size_t from = 0) const;
  // Records that arrived at or after at_ms.
  std::vector<Hit> hitsSince(int64_t at_ms) const;
  // kAlternate: 500 and 200 by turns, starting with 500.
  void setStatus(const std::string& check, int status);
  static constexpr int kAlternate = -1;
  // Every /c/ request from these members (by the User-Agent's member id) gets 503, whatever
  // setStatus() says: a path broken from some locations only.
  void setFailingMembers(std::set<std::string> members);
  int aborted() const { return aborted_; }

 private:
  struct Impl;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<Hit> hits_;
  std::map<std::string, int> status_;
  std::set<std::string> failing_members_;
  std::map<std::string, uint64_t> alternations_;
  std::atomic<int> aborted_{0};
  std::thread thread_;

  friend struct Impl;
};

}  // namespace ninevolt::e2e

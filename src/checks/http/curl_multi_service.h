#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>

#include "curl_library/curl_library.h"

namespace ninevolt::checks::http {

using curl::CurlLibrary;
using curl::curlLibrary;

// One libcurl multi handle per io_context, driven by that loop through the socket-action
// API: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it
// (CURLMOPT_TIMERFUNCTION); asio waits and calls curl_multi_socket_action. Obtained with
// boost::asio::use_service<CurlMultiService>(io), so every engine loop has its own multi and
// nothing is shared across threads. All methods run on the loop's thread.
//
// Curl owns the sockets; we only watch them (asio descriptors released, never closed, when
// curl says CURL_POLL_REMOVE, which it does before it closes a socket).
//
// Easy handles must be removed (or completed) before the io_context is destroyed: a check
// bound to a loop does not outlive it.
//
// The first service made in the process loads libcurl (curlLibrary()); when that fails,
// curl() is null, loadError() says why and add() refuses every transfer.
class CurlMultiService : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  // Called once when the transfer ends, on the loop, never from inside add() or a curl
  // callback; the easy handle has already been removed from the multi.
  using DoneFn = std::function<void(CURLcode)>;

  explicit CurlMultiService(boost::asio::io_context& io);
  ~CurlMultiService() override;
  CurlMultiService(const CurlMultiService&) = delete;
  CurlMultiService& operator=(const CurlMultiService&) = delete;

  // Starts a transfer. On failure the handle is not added and on_done is never called.
  CURLMcode add(CURL* easy, DoneFn on_done);
  // Stops a transfer without calling its on_done. No-op for an unknown handle.
  void remove(CURL* easy);

  // An easy handle for a new transfer: one a finished transfer gave back, reset to curl's
  // defaults (curl_easy_reset), when there is one, else a new one (curl_easy_init builds a
  // ~6 KB handle from scratch: a measurable share of a run's CPU). Null when curl is not
  // loaded or cannot make one.
  CURL* acquireEasy();
  // Gives a handle back (not in the multi any more): kept for the next acquireEasy() while
  // fewer than kIdleEasyHandles are, freed otherwise.
  void releaseEasy(CURL* easy);
  static constexpr size_t kIdleEasyHandles = 64;

  size_t activeTransfers() const { return transfers_.size(); }
  size_t idleEasyHandles() const { return idle_easy_.size(); }
  // The loaded library (every curl call goes through it), or null when it failed to load.
  const CurlLibrary* curl() const { return curl_; }
  const std::string& loadError() const { return load_error_; }

 private:
  struct Watch;
  struct Transfer {
    uint64_t id = 0;
    DoneFn on_done;
  };

  void shutdown() override { stop(); }
  void stop() noexcept;

  static int onSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int onTimer(CURLM* multi, long timeout_ms, void* self);
  void watchSocket(curl_socket_t fd, int what);
  void arm(const std::shared_ptr<Watch>& watch);
  void onReady(const std::shared_ptr<Watch>& watch, int event);
  void onTimeout();
  void armTimer(std::chrono::milliseconds timeout);
  static constexpr std::chrono::milliseconds kTimerSlack{10};
  static constexpr std::chrono::milliseconds kTimerSlackFrom{100};
  // Runs curl for one event, then completes every finished transfer.
  void action(curl_socket_t fd, int event);
  void completeFinished();

  boost::asio::io_context& io_;
  const CurlLibrary* curl_ = nullptr;
  std::string load_error_;
  CURLM* multi_ = nullptr;
  boost::asio::steady_timer timer_;
  std::optional<std::chrono::steady_clock::time_point> armed_for_;  // timer_'s, while set
  bool timeout_posted_ = false;  // a "now" timeout is queued on the loop
  std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::unordered_map<CURL*, Transfer> transfers_;
  std::vector<CURL*> idle_easy_;  // reset, ready for acquireEasy()
  uint64_t next_id_ = 1;
  bool shut_down_ = false;
};

}  // namespace ninevolt::checks::http

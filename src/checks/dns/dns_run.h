#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "checks/check.h"
#include "checks/dns/dns_message.h"
#include "checks/dns/dns_type.h"

namespace ninevolt::checks::dns {

// One run of a dns check: resolve the server if it is a name, query over UDP, retry over
// TCP on a truncated answer, judge. Lives in a shared_ptr that every pending handler holds,
// so a handler that fires after cancel() (or after the Check is gone) finds live memory and
// returns without doing anything. Loop thread only.
class DnsRun : public std::enable_shared_from_this<DnsRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = config::MonitorSpec;  // judgeReply() reads most of it
  DnsRun(std::shared_ptr<const config::MonitorSpec> spec, boost::asio::io_context& io,
         Check::DoneFn done);

  // Starts the I/O; `done` is called later, from a handler, never from here.
  void start();
  // Closes everything; `done` is never called after this returns.
  void cancel();

 private:
  using Clock = std::chrono::steady_clock;
  using ErrorCode = boost::system::error_code;
  // What the run is waiting for, so a timeout can say so.
  enum class Stage { kResolve, kUdp, kTcpConnect, kTcp };

  void onResolved(const ErrorCode& ec, const boost::asio::ip::udp::resolver::results_type& r);
  void sendUdp(const boost::asio::ip::udp::endpoint& server);
  void receiveUdp();
  void onUdpReceived(const ErrorCode& ec, size_t size);
  void startTcp();
  void onTcpConnected(const ErrorCode& ec);
  void onTcpLength(const ErrorCode& ec);
  void onTcpReply(const ErrorCode& ec);
  void judge(const DnsReply& reply);
  void onTimeout(const ErrorCode& ec);

  void endPhase(const char* name);  // records the phase that began at phase_start_
  void finish(CheckResult result);
  std::string stageText() const;
  std::string ignoredText() const;
  // Runs fn; an exception becomes an UNKNOWN result instead of escaping the loop.
  template <typename Fn>
  void guarded(Fn&& fn);

  const DnsSpec& opts() const { return spec_->options<DnsSpec>(); }
  std::shared_ptr<const config::MonitorSpec> spec_;
  Check::DoneFn done_;
  std::string server_;  // "127.0.0.1:53", as the operator wrote the host
  DnsQuery query_;
  Stage stage_ = Stage::kResolve;
  bool finished_ = false;

  boost::asio::steady_timer deadline_;
  boost::asio::ip::udp::resolver resolver_;
  boost::asio::ip::udp::socket udp_;
  boost::asio::ip::tcp::socket tcp_;
  boost::asio::ip::udp::endpoint server_endpoint_;
  boost::asio::ip::udp::endpoint sender_;
  std::vector<uint8_t> buffer_;
  std::array<uint8_t, 2> length_{};

  Clock::time_point started_;
  Clock::time_point phase_start_;
  Clock::time_point first_send_;
  std::vector<std::pair<std::string, Nanos>> phases_;
  int ignored_ = 0;  // UDP datagrams that did not answer our question
  std::string last_ignored_;
};

}  // namespace ninevolt::checks::dns

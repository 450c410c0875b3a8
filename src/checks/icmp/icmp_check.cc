#include "checks/icmp/icmp_check.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "checks/icmp/icmp_type.h"
#include "checks/icmp/pinger.h"
#include "checks/per_run_check.h"
#include "checks/run_support.h"
#include "common/duration.h"

namespace ninevolt::checks::icmp {
namespace {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;
using Nanos = std::chrono::nanoseconds;

// What an icmp run reads of its monitor: kept while the check is owned.
struct IcmpSettings {
  explicit IcmpSettings(const config::MonitorSpec& spec) : name(spec.name), timeout(spec.timeout) {
    const auto& s = spec.options<IcmpSpec>();
    host = s.host;
    count = s.count;
    interval = s.packet_interval;
    max_loss = s.max_loss;
    max_rtt = s.max_rtt;
  }
  std::string name;
  common::Nanos timeout;
  std::string host;
  int count = 3;
  common::Nanos interval;
  int max_loss = 50;
  std::optional<common::Nanos> max_rtt;
};

// "0.052"; round trips on loopback are tens of microseconds, across a continent tens of ms.
std::string millis(Nanos d) {
  return fmt::format("{:.3f}", std::chrono::duration<double, std::milli>(d).count());
}

// One run: resolve (names only), then `count` requests `interval` apart, then wait for the
// last replies until the deadline. Every pending handler holds the run. Loop thread only.
class IcmpRun : public std::enable_shared_from_this<IcmpRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = IcmpSettings;

  IcmpRun(std::shared_ptr<const IcmpSettings> settings, asio::io_context& io, Check::DoneFn done)
      : s_(std::move(settings)),
        done_(std::move(done)),
        pinger_(asio::use_service<Pinger>(io)),
        deadline_(io),
        pacer_(io),
        resolver_(io) {}

  void start() {
    clock_.start();
    auto self = shared_from_this();
    deadline_.expires_after(s_->timeout);
    deadline_.async_wait([self](const ErrorCode& ec) {
      if (ec != asio::error::operation_aborted) {
        self->judge();
      }
    });
    ErrorCode ec;
    const auto address = asio::ip::make_address(s_->host, ec);
    if (!ec) {
      asio::post(deadline_.get_executor(), [self, address] { self->begin(address); });
      return;
    }
    resolver_.async_resolve(
        s_->host, "", [self](const ErrorCode& ec, const asio::ip::udp::resolver::results_type& r) {
          self->onResolved(ec, r);
        });
  }

  void cancel() {
    finished_ = true;
    done_ = nullptr;
    deadline_.cancel();
    pacer_.cancel();
    resolver_.cancel();
    for (uint16_t seq : in_flight_) {
      pinger_.forget(seq);
    }
    in_flight_.clear();
  }

 private:
  void onResolved(const ErrorCode& ec, const asio::ip::udp::resolver::results_type& results) {
    if (finished_) {
      return;
    }
    if (ec || results.empty()) {
      finish(CheckResult::critical(
          fmt::format("cannot resolve \"{}\": {}", s_->host, ec ? ec.message() : "no addresses"),
          Failure::kResolve));
      return;
    }
    begin(results.begin()->endpoint().address());
  }

  void begin(const asio::ip::address& address) {
    if (finished_) {
      return;
    }
    address_ = address;
    label_ = address.to_string() == s_->host
                 ? s_->host
                 : fmt::format("{} ({})", s_->host, address.to_string());
    sendNext();
  }

  void sendNext() {
    if (finished_) {
      return;
    }
    auto self = shared_from_this();
    auto sent = pinger_.send(address_, [self](Nanos rtt) { self->onReply(rtt); });
    if (sent.no_socket) {
      // No socket at all is this member's problem, not the target's: UNKNOWN.
      finish(CheckResult::unknown(sent.error));
      return;
    }
    ++sent_;
    if (sent.seq) {
      in_flight_.push_back(*sent.seq);
    } else {
      // A request the kernel refused to send (a local firewall, no route) is a lost one.
      ++unsendable_;
      send_error_ = sent.error;
    }
    if (unsendable_ == s_->count) {
      judge();
      return;
    }
    if (sent_ < s_->count) {
      pacer_.expires_after(s_->interval);
      pacer_.async_wait([self](const ErrorCode& ec) {
        if (!ec) {
          self->sendNext();
        }
      });
    }
  }

  void onReply(Nanos rtt) {
    if (finished_) {
      return;
    }
    rtts_.push_back(rtt);
    if (static_cast<int>(rtts_.size()) == s_->count) {
      judge();
    }
  }

  void judge() {
    if (finished_) {
      return;
    }
    if (sent_ == 0) {
      finish(CheckResult::critical(fmt::format("timed out after {} resolving \"{}\"",
                                               common::formatDuration(s_->timeout), s_->host),
                                   Failure::kTimeout));
      return;
    }
    const int sent = sent_;
    const int received = static_cast<int>(rtts_.size());
    const int lost = sent - received;
    const int loss = sent == 0 ? 100 : lost * 100 / sent;
    CheckResult result;
    if (received == 0 && unsendable_ == sent) {
      result = CheckResult::critical(
          fmt::format("{} ({} of {} requests)", send_error_, unsendable_, sent), Failure::kConnect);
    } else if (received == 0) {
      result = CheckResult::critical(
          fmt::format("no reply to {} ping{} to {} within {}", sent, sent == 1 ? "" : "s",
                      label_.empty() ? s_->host : label_, common::formatDuration(s_->timeout)),
          Failure::kTimeout);
    } else {
      const auto [min, max] = std::minmax_element(rtts_.begin(), rtts_.end());
      Nanos total{0};
      for (auto r : rtts_) {
        total += r;
      }
      const Nanos avg = total / received;
      std::string summary =
          fmt::format("{}/{} replies from {}, rtt min/avg/max {}/{}/{} ms", received, sent, label_,
                      millis(*min), millis(avg), millis(*max));
      if (unsendable_ > 0) {
        summary += fmt::format("; {} not sent: {}", unsendable_, send_error_);
      }
      if (loss > s_->max_loss) {
        result = CheckResult::critical(
            fmt::format("{}% loss > max-loss {}%: {}", loss, s_->max_loss, summary),
            Failure::kTimeout);
      } else if (s_->max_rtt && avg > *s_->max_rtt) {
        result = CheckResult::critical(fmt::format("rtt avg {} ms > max-rtt {}: {}", millis(avg),
                                                   common::formatDuration(*s_->max_rtt), summary),
                                       Failure::kSlow);
      } else {
        result = CheckResult::ok(summary);
      }
      result.values["rtt_min_ms"] = std::chrono::duration<double, std::milli>(*min).count();
      result.values["rtt_avg_ms"] = std::chrono::duration<double, std::milli>(avg).count();
      result.values["rtt_max_ms"] = std::chrono::duration<double, std::milli>(*max).count();
    }
    result.values["loss_percent"] = loss;
    finish(std::move(result));
  }

  void finish(CheckResult result) {
    if (finished_) {
      return;
    }
    result.phases = clock_.finish();
    auto done = std::move(done_);
    cancel();  // sockets and timers go before anyone hears about the result
    report(std::move(done), std::move(result), "icmp", s_->name);
  }

  std::shared_ptr<const IcmpSettings> s_;
  Check::DoneFn done_;
  Pinger& pinger_;
  asio::steady_timer deadline_;
  asio::steady_timer pacer_;
  asio::ip::udp::resolver resolver_;
  asio::ip::address address_;
  std::string label_;
  std::vector<uint16_t> in_flight_;
  std::vector<Nanos> rtts_;
  int sent_ = 0;
  int unsendable_ = 0;
  std::string send_error_;
  bool finished_ = false;
  PhaseClock clock_;
};

class IcmpCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return PerRunCheck<IcmpRun>::forMonitor(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& /*context*/) {
  return std::make_unique<IcmpCheckFactory>();
}

}  // namespace ninevolt::checks::icmp

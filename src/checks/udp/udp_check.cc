#include "checks/udp/udp_check.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "checks/per_run_check.h"
#include "checks/quote.h"
#include "checks/run_support.h"
#include "checks/udp/udp_type.h"
#include "common/duration.h"

namespace ninevolt::checks::udp {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using ErrorCode = boost::system::error_code;

// What a udp run reads of its monitor, and nothing else (the spec also holds the object as
// written): kept for as long as the check is owned.
struct UdpSettings {
  explicit UdpSettings(const config::MonitorSpec& spec)
      : UdpSettings(spec, spec.options<UdpSpec>()) {}
  UdpSettings(const config::MonitorSpec& spec, const UdpSpec& typed)
      : name(spec.name),
        host(typed.host),
        payload(typed.payload),
        expect(typed.expect),
        expect_regex(typed.expect_regex_compiled),
        timeout(spec.timeout),
        port(static_cast<uint16_t>(typed.port)),
        read_size(static_cast<size_t>(typed.read_size)) {
    const bool v6 = host.find(':') != std::string::npos;
    label = fmt::format("{}:{}", v6 ? "[" + host + "]" : host, port);
  }
  std::string name;
  std::string host;
  std::string label;  // "127.0.0.1:5000", as the operator wrote the host
  std::string payload;
  std::string expect;
  std::shared_ptr<const re2::RE2> expect_regex;
  common::Nanos timeout;
  uint16_t port;
  size_t read_size;
};

// One run: resolve (unless the host is an address), send one datagram, wait for a reply.
// Every pending handler holds the run, so one that fires after cancel() finds live memory
// and does nothing. Loop thread only.
class UdpRun : public std::enable_shared_from_this<UdpRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = UdpSettings;

  UdpRun(std::shared_ptr<const UdpSettings> settings, asio::io_context& io, Check::DoneFn done)
      : s_(std::move(settings)),
        done_(std::move(done)),
        deadline_(io),
        resolver_(io),
        socket_(io) {}

  void start() {
    clock_.start();
    auto self = shared_from_this();
    deadline_.expires_after(s_->timeout);
    deadline_.async_wait([self](const ErrorCode& ec) { self->onTimeout(ec); });
    ErrorCode ec;
    const auto address = asio::ip::make_address(s_->host, ec);
    if (!ec) {
      // Posted: done is never called from inside start(), and send() can fail at once.
      asio::post(deadline_.get_executor(),
                 [self, target = udp::endpoint(address, s_->port)] { self->send(target); });
      return;
    }
    resolving_ = true;
    resolver_.async_resolve(s_->host, std::to_string(s_->port),
                            [self](const ErrorCode& ec, const udp::resolver::results_type& r) {
                              self->onResolved(ec, r);
                            });
  }

  void cancel() {
    finished_ = true;
    done_ = nullptr;
    ErrorCode ignored;
    deadline_.cancel();
    resolver_.cancel();
    socket_.close(ignored);
  }

 private:
  void onResolved(const ErrorCode& ec, const udp::resolver::results_type& results) {
    if (finished_) {
      return;
    }
    resolving_ = false;
    clock_.end("resolve");
    if (ec || results.empty()) {
      finish(CheckResult::critical(
          fmt::format("cannot resolve \"{}\": {}", s_->host, ec ? ec.message() : "no addresses"),
          Failure::kResolve));
      return;
    }
    send(results.begin()->endpoint());
  }

  void send(const udp::endpoint& target) {
    if (finished_) {
      return;
    }
    ErrorCode ec;
    socket_.open(target.protocol(), ec);
    if (ec) {
      auto message = fmt::format("cannot open a UDP socket: {}", ec.message());
      spdlog::warn("udp check '{}': {}", s_->name, message);
      finish(CheckResult::unknown(std::move(message)));
      return;
    }
    // Connected: the kernel drops datagrams from anyone else, and an ICMP "port unreachable"
    // comes back as connection_refused instead of a timeout.
    socket_.connect(target, ec);
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("cannot reach {} (udp): {}", s_->label, ec.message()), Failure::kConnect));
      return;
    }
    auto self = shared_from_this();
    socket_.async_send(asio::buffer(s_->payload), [self](const ErrorCode& ec, size_t) {
      if (ec && !self->finished_) {
        self->finish(CheckResult::critical(
            fmt::format("cannot send to {} (udp): {}", self->s_->label, ec.message()),
            Failure::kConnect));
      }
    });
    // One byte more than kept, so a longer reply is known to be cut.
    buffer_.resize(s_->read_size + 1);
    socket_.async_receive(asio::buffer(buffer_),
                          [self](const ErrorCode& ec, size_t size) { self->onReply(ec, size); });
  }

  void onReply(const ErrorCode& ec, size_t size) {
    if (finished_) {
      return;
    }
    clock_.end("reply");
    if (ec == asio::error::connection_refused) {
      finish(CheckResult::critical(
          fmt::format("{} refused the datagram (ICMP port unreachable: nothing listens there)",
                      s_->label),
          Failure::kConnect));
      return;
    }
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("cannot read a reply from {} (udp): {}", s_->label, ec.message()),
          Failure::kConnect));
      return;
    }
    const bool cut = size > s_->read_size;
    const std::string_view reply(buffer_.data(), cut ? s_->read_size : size);
    CheckResult result = judge(reply);
    result.values["bytes"] = static_cast<double>(size);
    finish(std::move(result));
  }

  CheckResult judge(std::string_view reply) const {
    if (!s_->expect.empty() && reply.find(s_->expect) == std::string_view::npos) {
      return CheckResult::critical(
          fmt::format("expected \"{}\" not found in the reply {}", s_->expect, quotePrefix(reply)),
          Failure::kExpect);
    }
    if (s_->expect_regex && !re2::RE2::PartialMatch(reply, *s_->expect_regex)) {
      return CheckResult::critical(fmt::format("the reply {} does not match /{}/",
                                               quotePrefix(reply), s_->expect_regex->pattern()),
                                   Failure::kExpect);
    }
    return CheckResult::ok(fmt::format("{}-byte reply from {}", reply.size(), s_->label));
  }

  void onTimeout(const ErrorCode& ec) {
    if (ec == asio::error::operation_aborted || finished_) {
      return;
    }
    clock_.end(resolving_ ? "resolve" : "reply");
    finish(CheckResult::critical(resolving_
                                     ? fmt::format("timed out after {} resolving \"{}\"",
                                                   common::formatDuration(s_->timeout), s_->host)
                                     : fmt::format("no reply from {} within {} (udp)", s_->label,
                                                   common::formatDuration(s_->timeout)),
                                 Failure::kTimeout));
  }

  void finish(CheckResult result) {
    if (finished_) {
      return;
    }
    result.phases = clock_.finish();
    auto done = std::move(done_);
    cancel();  // sockets and timers go before anyone hears about the result
    report(std::move(done), std::move(result), "udp", s_->name);
  }

  std::shared_ptr<const UdpSettings> s_;
  Check::DoneFn done_;
  asio::steady_timer deadline_;
  udp::resolver resolver_;
  udp::socket socket_;
  std::vector<char> buffer_;
  bool finished_ = false;
  bool resolving_ = false;
  PhaseClock clock_;
};

class UdpCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return PerRunCheck<UdpRun>::forMonitor(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& /*context*/) {
  return std::make_unique<UdpCheckFactory>();
}

}  // namespace ninevolt::checks::udp

#include "checks/tcp/tcp_check.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "checks/per_run_check.h"
#include "checks/quote.h"
#include "checks/tcp/tcp_type.h"
#include "common/duration.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

// "Connection refused" -> "connection refused": messages are lower case like the rest.
std::string describe(const error_code& ec) {
  std::string text = ec.message();
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// What a tcp run reads of its monitor, and nothing else: kept for as long as the check is
// owned (the spec itself also holds the object as written, JSON).
struct TcpSettings {
  explicit TcpSettings(const config::MonitorSpec& spec)
      : TcpSettings(spec, spec.options<checks::tcp::TcpSpec>()) {}
  TcpSettings(const config::MonitorSpec& spec, const checks::tcp::TcpSpec& typed)
      : name(spec.name),
        host(typed.host),
        send(typed.send),
        expect(typed.expect),
        timeout(spec.timeout),
        read_timeout(typed.read_timeout),
        write_timeout(typed.write_timeout),
        port(typed.port),
        read_size(typed.read_size) {}
  std::string name;
  std::string host;
  std::string send;
  std::string expect;
  Nanos timeout;
  Nanos read_timeout;
  Nanos write_timeout;
  int port;
  int read_size;
};

// One run of one check. Every pending handler holds a shared_ptr to its run, so a run
// outlives its TcpCheck while asio still owes it completions (cancelled ones included);
// `finished_` makes every late completion a no-op, so `done` is called at most once.
class TcpRun : public std::enable_shared_from_this<TcpRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = TcpSettings;
  TcpRun(std::shared_ptr<const TcpSettings> spec, asio::io_context& io, Check::DoneFn done)
      : spec_(std::move(spec)),
        socket_(io),
        resolver_(io),
        total_timer_(io),
        phase_timer_(io),
        done_(std::move(done)) {}

  void start() {
    started_ = SteadyClock::now();
    auto self = shared_from_this();
    total_timer_.expires_after(spec_->timeout);
    total_timer_.async_wait([self](error_code ec) {
      if (!ec) {
        self->timedOut(self->spec_->timeout);
      }
    });

    error_code parse_error;
    auto address = asio::ip::make_address(spec_->host, parse_error);
    if (!parse_error) {
      // A numeric address needs no resolver (and no resolver thread).
      connect(std::vector<tcp::endpoint>{
          tcp::endpoint(address, static_cast<unsigned short>(spec_->port))});
      return;
    }
    beginPhase(Phase::kResolve);
    resolver_.async_resolve(spec_->host, std::to_string(spec_->port),
                            tcp::resolver::numeric_service,
                            [self](error_code ec, const tcp::resolver::results_type& results) {
                              self->onResolved(ec, results);
                            });
  }

  // Stops the run without calling `done`; closes the socket now.
  void cancel() {
    finished_ = true;
    done_ = nullptr;
    release();
  }

 private:
  enum class Phase { kResolve, kConnect, kWrite, kRead };

  void onResolved(error_code ec, const tcp::resolver::results_type& results) {
    if (finished_) {
      return;
    }
    endPhase("dns");
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("cannot resolve \"{}\": {}", spec_->host, describe(ec)), Failure::kResolve));
      return;
    }
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
      endpoints.push_back(entry.endpoint());
    }
    connect(endpoints);
  }

  void connect(const std::vector<tcp::endpoint>& endpoints) {
    beginPhase(Phase::kConnect);
    auto self = shared_from_this();
    protocol_ = endpoints.front().protocol();
    // Tries each address in turn, as a client of a multi-address name should.
    asio::async_connect(socket_, endpoints,
                        [self](error_code ec, const tcp::endpoint&) { self->onConnected(ec); });
  }

  // asio's range connect reports a socket it could not open as "operation aborted". When we
  // did not cancel, open one here to learn why (the rare path only).
  error_code whyAborted() {
    tcp::socket probe(socket_.get_executor());
    error_code why;
    probe.open(protocol_, why);
    return why;
  }

  static bool localFailure(const error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space
           || ec == asio::error::no_memory
           || ec == boost::system::errc::too_many_files_open_in_system;
  }

  void onConnected(error_code ec) {
    if (finished_) {
      return;
    }
    endPhase("connect");
    if (ec == asio::error::operation_aborted) {
      if (auto why = whyAborted()) {
        ec = why;
      }
    }
    if (ec && localFailure(ec)) {
      // No socket for us (out of descriptors or memory): 9volt's trouble, not the target's.
      auto message = fmt::format("cannot open a socket on this machine to connect to {}: {}",
                                 target(), ec.message());
      spdlog::warn("tcp check '{}': {}", spec_->name, message);
      finish(CheckResult::unknown(std::move(message)));
      return;
    }
    if (ec) {
      finish(CheckResult::critical(fmt::format("connecting to {}: {}", target(), describe(ec)),
                                   Failure::kConnect));
      return;
    }
    if (!spec_->send.empty()) {
      write();
    } else if (!spec_->expect.empty()) {
      read();
    } else {
      succeed(fmt::format("connected to {}", target()));
    }
  }

  void write() {
    beginPhase(Phase::kWrite);
    armPhaseTimer(spec_->write_timeout);
    writeMore();
  }

  // write_some in a loop rather than async_write: a timeout message can then say how much
  // got through.
  void writeMore() {
    auto self = shared_from_this();
    socket_.async_write_some(
        asio::buffer(spec_->send.data() + written_, spec_->send.size() - written_),
        [self](error_code ec, size_t n) { self->onWritten(ec, n); });
  }

  void onWritten(error_code ec, size_t n) {
    if (finished_) {
      return;
    }
    written_ += n;
    if (!ec && written_ < spec_->send.size()) {
      writeMore();
      return;
    }
    phase_timer_.cancel();
    endPhase("write");
    if (ec) {
      finish(CheckResult::critical(fmt::format("writing to {}: {}, wrote {} of {} bytes", target(),
                                               describe(ec), written_, spec_->send.size()),
                                   Failure::kProtocol));
      return;
    }
    if (!spec_->expect.empty()) {
      read();
    } else {
      succeed(fmt::format("connected to {}, sent {} bytes", target(), written_));
    }
  }

  void read() {
    beginPhase(Phase::kRead);
    buffer_.resize(static_cast<size_t>(std::max(spec_->read_size, 1)));
    armPhaseTimer(spec_->read_timeout);
    readMore();
  }

  void readMore() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_.data() + got_, buffer_.size() - got_),
                            [self](error_code ec, size_t n) { self->onRead(ec, n); });
  }

  void onRead(error_code ec, size_t n) {
    if (finished_) {
      return;
    }
    got_ += n;
    const std::string& expect = spec_->expect;
    std::string_view received(buffer_.data(), got_);
    if (received.find(expect) != std::string_view::npos) {
      phase_timer_.cancel();
      endPhase("read");
      succeed(
          fmt::format("found {} in {} bytes from {}", checks::quotePrefix(expect), got_, target()));
      return;
    }
    if (!ec && got_ < buffer_.size()) {
      readMore();
      return;
    }
    phase_timer_.cancel();
    endPhase("read");
    std::string why;
    // A read error is the connection's fault; a clean end (or read-size) the content's.
    const Failure failure = ec && ec != asio::error::eof ? Failure::kProtocol : Failure::kExpect;
    if (ec == asio::error::eof) {
      why = fmt::format("connection closed after {} bytes", got_);
    } else if (ec) {
      why = fmt::format("reading: {}, got {} bytes", describe(ec), got_);
    } else {
      why = fmt::format("read-size {} bytes reached", got_);
    }
    finish(CheckResult::critical(
        fmt::format("expected {} not found ({}): {}", checks::quotePrefix(expect), why,
                    checks::quotePrefix(received)),
        failure));
  }

  void armPhaseTimer(Nanos limit) {
    auto self = shared_from_this();
    phase_timer_.expires_after(limit);
    phase_timer_.async_wait([self, limit](error_code ec) {
      if (!ec) {
        self->timedOut(limit);
      }
    });
  }

  // Either the total timeout or the current phase's read/write timeout ran out.
  void timedOut(Nanos after) {
    if (finished_) {
      return;
    }
    std::string while_doing;
    switch (phase_) {
      case Phase::kResolve:
        while_doing = fmt::format("resolving \"{}\"", spec_->host);
        break;
      case Phase::kConnect:
        while_doing = fmt::format("connecting to {}", target());
        break;
      case Phase::kWrite:
        while_doing =
            fmt::format("writing (write-timeout {}), wrote {} of {} bytes",
                        common::formatDuration(spec_->write_timeout), written_, spec_->send.size());
        break;
      case Phase::kRead:
        while_doing = fmt::format("reading (read-timeout {}), got {} bytes",
                                  common::formatDuration(spec_->read_timeout), got_);
        if (got_ > 0) {
          while_doing += ": " + checks::quotePrefix(std::string_view(buffer_.data(), got_));
        }
        break;
    }
    finish(CheckResult::critical(
        fmt::format("timed out after {} while {}", common::formatDuration(after), while_doing),
        Failure::kTimeout));
  }

  void succeed(std::string message) { finish(CheckResult::ok(std::move(message))); }

  void finish(CheckResult result) {
    finished_ = true;
    release();
    result.phases = std::move(phases_);
    result.phases.emplace_back("total", SteadyClock::now() - started_);
    result.values["bytes_read"] = static_cast<double>(got_);
    // Moved out first: `done` may start the next run, which replaces this one.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) {
      done(std::move(result));
    }
  }

  // Closes the socket and stops the timers; pending handlers complete as aborted.
  void release() {
    error_code ignored;
    resolver_.cancel();
    total_timer_.cancel();
    phase_timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void beginPhase(Phase phase) {
    phase_ = phase;
    phase_started_ = SteadyClock::now();
  }
  void endPhase(const char* name) {
    phases_.emplace_back(name, SteadyClock::now() - phase_started_);
  }

  std::string target() const {
    bool v6 = spec_->host.find(':') != std::string::npos;
    return v6 ? fmt::format("[{}]:{}", spec_->host, spec_->port)
              : fmt::format("{}:{}", spec_->host, spec_->port);
  }

  std::shared_ptr<const TcpSettings> spec_;
  tcp::socket socket_;
  tcp::endpoint::protocol_type protocol_ = tcp::v4();
  tcp::resolver resolver_;
  asio::steady_timer total_timer_;
  asio::steady_timer phase_timer_;
  Check::DoneFn done_;
  bool finished_ = false;
  Phase phase_ = Phase::kConnect;
  SteadyClock::time_point started_;
  SteadyClock::time_point phase_started_;
  std::vector<std::pair<std::string, Nanos>> phases_;
  std::vector<char> buffer_;
  size_t got_ = 0;
  size_t written_ = 0;
};

using TcpCheck = PerRunCheck<TcpRun>;

class TcpCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return TcpCheck::forMonitor(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeTcpCheckFactory() {
  return std::make_unique<TcpCheckFactory>();
}

}  // namespace ninevolt::checks

std::unique_ptr<ninevolt::checks::CheckFactory> ninevolt::checks::tcp::makeFactory(
    const FactoryContext& /*context*/) {
  return makeTcpCheckFactory();
}

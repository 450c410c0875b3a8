#include "checks/dns/dns_run.h"

#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "checks/dns/dns_judge.h"
#include "common/duration.h"

namespace ninevolt::checks::dns {
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

// Largest DNS message (UDP without EDNS is 512, but a server may send more; TCP caps at 64K).
constexpr size_t kMaxMessage = 65535;

std::string serverLabel(const std::string& host, int port) {
  // An IPv6 literal needs brackets to be told apart from the port.
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

}  // namespace

DnsRun::DnsRun(std::shared_ptr<const config::MonitorSpec> spec, asio::io_context& io,
               Check::DoneFn done)
    : spec_(std::move(spec)),
      done_(std::move(done)),
      server_(serverLabel(opts().host, opts().port)),
      deadline_(io),
      resolver_(io),
      udp_(io),
      tcp_(io) {}

template <typename Fn>
void DnsRun::guarded(Fn&& fn) {
  if (finished_) {
    return;
  }
  try {
    fn();
  } catch (const std::exception& e) {
    finish(CheckResult::unknown(fmt::format("dns check failed internally: {}", e.what())));
  }
}

void DnsRun::start() {
  started_ = phase_start_ = Clock::now();
  auto self = shared_from_this();
  auto query = buildQuery(opts().dns_target, opts().dns_record_type);
  if (!query) {
    // Posted: the Check contract says done is never called from inside start().
    asio::post(deadline_.get_executor(), [self, message = query.error().message] {
      self->guarded([&] { self->finish(CheckResult::unknown(message)); });
    });
    return;
  }
  query_ = std::move(*query);

  deadline_.expires_after(spec_->timeout);
  deadline_.async_wait([self](const ErrorCode& ec) { self->onTimeout(ec); });

  ErrorCode ec;
  const auto address = asio::ip::make_address(opts().host, ec);
  if (!ec) {
    const udp::endpoint server(address, static_cast<uint16_t>(opts().port));
    // Also posted, for the same reason: sendUdp can fail synchronously.
    asio::post(deadline_.get_executor(),
               [self, server] { self->guarded([&] { self->sendUdp(server); }); });
    return;
  }
  stage_ = Stage::kResolve;
  resolver_.async_resolve(opts().host, std::to_string(opts().port),
                          [self](const ErrorCode& ec, const udp::resolver::results_type& r) {
                            self->guarded([&] { self->onResolved(ec, r); });
                          });
}

void DnsRun::cancel() {
  finished_ = true;
  done_ = nullptr;
  ErrorCode ignored;
  deadline_.cancel();
  resolver_.cancel();
  udp_.close(ignored);
  tcp_.close(ignored);
}

void DnsRun::onResolved(const ErrorCode& ec, const udp::resolver::results_type& results) {
  endPhase("resolve");
  if (ec || results.empty()) {
    finish(CheckResult::critical(fmt::format("cannot resolve DNS server '{}': {}", opts().host,
                                             ec ? ec.message() : "no addresses"),
                                 Failure::kResolve));
    return;
  }
  sendUdp(results.begin()->endpoint());
}

void DnsRun::sendUdp(const udp::endpoint& server) {
  stage_ = Stage::kUdp;
  server_endpoint_ = server;
  first_send_ = phase_start_ = Clock::now();
  ErrorCode ec;
  udp_.open(server.protocol(), ec);
  if (ec) {
    auto message = fmt::format("cannot open a UDP socket: {}", ec.message());
    spdlog::warn("dns check: {} (querying {})", message, server_);
    finish(CheckResult::unknown(std::move(message)));
    return;
  }
  // Connected, so the kernel drops datagrams from anyone else and reports an ICMP "port
  // unreachable" as connection_refused instead of leaving us to time out. Does not block.
  udp_.connect(server, ec);
  if (ec) {
    finish(CheckResult::critical(
        fmt::format("cannot reach DNS server {} (udp): {}", server_, ec.message()),
        Failure::kConnect));
    return;
  }
  auto self = shared_from_this();
  udp_.async_send_to(asio::buffer(query_.wire), server, [self](const ErrorCode& ec, size_t) {
    self->guarded([&] {
      if (ec) {
        self->finish(CheckResult::critical(
            fmt::format("cannot send the query to {} (udp): {}", self->server_, ec.message()),
            Failure::kProtocol));
      }
    });
  });
  buffer_.resize(kMaxMessage);
  receiveUdp();
}

void DnsRun::receiveUdp() {
  auto self = shared_from_this();
  udp_.async_receive_from(asio::buffer(buffer_), sender_, [self](const ErrorCode& ec, size_t size) {
    self->guarded([&] { self->onUdpReceived(ec, size); });
  });
}

void DnsRun::onUdpReceived(const ErrorCode& ec, size_t size) {
  if (ec == asio::error::connection_refused) {
    finish(CheckResult::critical(
        fmt::format(
            "DNS server {} refused the query (udp: connection refused, nothing listens there)",
            server_),
        Failure::kConnect));
    return;
  }
  if (ec) {
    finish(CheckResult::critical(
        fmt::format("cannot read an answer from {} (udp): {}", server_, ec.message()),
        Failure::kProtocol));
    return;
  }
  auto reply = sender_ == server_endpoint_
                   ? parseReply(query_, std::span<const uint8_t>(buffer_.data(), size))
                   : Result<DnsReply>(fail(Errc::kInvalidArgument, "reply from another address"));
  if (!reply) {
    // Not our answer (stale, spoofed, garbage): keep waiting for the real one.
    ++ignored_;
    last_ignored_ = reply.error().message;
    receiveUdp();
    return;
  }
  endPhase("query");
  if (reply->truncated) {
    startTcp();
    return;
  }
  judge(*reply);
}

void DnsRun::startTcp() {
  stage_ = Stage::kTcpConnect;
  ErrorCode ignored;
  udp_.close(ignored);
  const tcp::endpoint server(server_endpoint_.address(), server_endpoint_.port());
  auto self = shared_from_this();
  tcp_.async_connect(
      server, [self](const ErrorCode& ec) { self->guarded([&] { self->onTcpConnected(ec); }); });
}

void DnsRun::onTcpConnected(const ErrorCode& ec) {
  if (ec) {
    finish(CheckResult::critical(
        fmt::format("cannot connect to DNS server {} (tcp, after a truncated udp answer): {}",
                    server_, ec.message()),
        Failure::kConnect));
    return;
  }
  stage_ = Stage::kTcp;
  // RFC 1035 4.2.2: over TCP each message is preceded by its length (2 bytes, big endian).
  const size_t n = query_.wire.size();
  buffer_.clear();
  buffer_.push_back(static_cast<uint8_t>(n >> 8));
  buffer_.push_back(static_cast<uint8_t>(n & 0xff));
  buffer_.insert(buffer_.end(), query_.wire.begin(), query_.wire.end());
  auto self = shared_from_this();
  asio::async_write(tcp_, asio::buffer(buffer_), [self](const ErrorCode& ec, size_t) {
    self->guarded([&] {
      if (ec) {
        self->finish(CheckResult::critical(
            fmt::format("cannot send the query to {} (tcp): {}", self->server_, ec.message()),
            Failure::kProtocol));
        return;
      }
      asio::async_read(
          self->tcp_, asio::buffer(self->length_),
          [self](const ErrorCode& ec, size_t) { self->guarded([&] { self->onTcpLength(ec); }); });
    });
  });
}

void DnsRun::onTcpLength(const ErrorCode& ec) {
  if (ec) {
    finish(CheckResult::critical(
        fmt::format("DNS server {} closed the connection without an answer (tcp): {}", server_,
                    ec.message()),
        Failure::kProtocol));
    return;
  }
  buffer_.resize((size_t{length_[0]} << 8) | length_[1]);
  auto self = shared_from_this();
  asio::async_read(tcp_, asio::buffer(buffer_), [self](const ErrorCode& ec, size_t) {
    self->guarded([&] { self->onTcpReply(ec); });
  });
}

void DnsRun::onTcpReply(const ErrorCode& ec) {
  if (ec) {
    finish(CheckResult::critical(
        fmt::format("cannot read the answer from {} (tcp): {}", server_, ec.message()),
        Failure::kProtocol));
    return;
  }
  endPhase("tcp_retry");
  auto reply = parseReply(query_, buffer_);
  if (!reply) {
    // Over TCP nobody else can inject a reply: a mismatch is the server's fault.
    finish(CheckResult::critical(
        fmt::format("DNS server {} sent a bad answer (tcp): {}", server_, reply.error().message),
        Failure::kProtocol));
    return;
  }
  judge(*reply);
}

void DnsRun::judge(const DnsReply& reply) {
  const auto elapsed = std::chrono::duration_cast<Nanos>(Clock::now() - first_send_);
  finish(judgeReply(opts(), query_.qtype, reply, elapsed, server_));
}

void DnsRun::onTimeout(const ErrorCode& ec) {
  if (ec == asio::error::operation_aborted) {
    return;
  }
  guarded([&] {
    endPhase(stage_ == Stage::kResolve ? "resolve" : stage_ == Stage::kUdp ? "query" : "tcp_retry");
    finish(CheckResult::critical(
        fmt::format("timed out after {} {}{}", common::formatDuration(spec_->timeout), stageText(),
                    ignoredText()),
        Failure::kTimeout));
  });
}

std::string DnsRun::stageText() const {
  switch (stage_) {
    case Stage::kResolve:
      return fmt::format("resolving DNS server '{}'", opts().host);
    case Stage::kUdp:
      return fmt::format("waiting for an answer from {} (udp)", server_);
    case Stage::kTcpConnect:
      return fmt::format("connecting to {} (tcp, after a truncated udp answer)", server_);
    case Stage::kTcp:
      return fmt::format("waiting for an answer from {} (tcp, after a truncated udp answer)",
                         server_);
  }
  return "";
}

std::string DnsRun::ignoredText() const {
  if (ignored_ == 0) {
    return "";
  }
  return fmt::format("; ignored {} repl{} that did not answer the query ({})", ignored_,
                     ignored_ == 1 ? "y" : "ies", last_ignored_);
}

void DnsRun::endPhase(const char* name) {
  const auto now = Clock::now();
  phases_.emplace_back(name, std::chrono::duration_cast<Nanos>(now - phase_start_));
  phase_start_ = now;
}

void DnsRun::finish(CheckResult result) {
  if (finished_) {
    return;
  }
  phases_.emplace_back("total", std::chrono::duration_cast<Nanos>(Clock::now() - started_));
  result.phases = std::move(phases_);
  auto done = std::move(done_);
  cancel();  // closes sockets and the deadline before anyone hears about the result
  if (!done) {
    return;
  }
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    // Never let the engine's callback throw through the loop.
    spdlog::error("dns check '{}': done callback threw: {}", spec_->name, e.what());
  } catch (...) {
    spdlog::error("dns check '{}': done callback threw", spec_->name);
  }
}

}  // namespace ninevolt::checks::dns

#include "checks/icmp/pinger.h"

#include <cerrno>
#include <cstring>
#include <random>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ninevolt::checks::icmp {
namespace {

namespace asio = boost::asio;

std::string pingGroupRange() {
  FILE* f = std::fopen("/proc/sys/net/ipv4/ping_group_range", "re");
  if (f == nullptr) {
    return "unreadable";
  }
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string out(buf, n);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  for (auto& c : out) {
    if (c == '\t') {
      c = ' ';
    }
  }
  return out;
}

}  // namespace

Pinger::Pinger(asio::execution_context& context)
    : asio::execution_context::service(context), io_(static_cast<asio::io_context&>(context)) {
  std::random_device random;
  for (auto& b : token_) {
    b = static_cast<uint8_t>(random());
  }
  raw_id_ = static_cast<uint16_t>(random());
  next_seq_ = static_cast<uint16_t>(random());
}

Pinger::~Pinger() = default;

void Pinger::shutdown() {
  waiting_.clear();
  for (Family* f : {&v4_, &v6_}) {
    if (f->socket) {
      boost::system::error_code ignored;
      f->socket->close(ignored);
      f->socket.reset();
    }
  }
}

std::string Pinger::socketKind(bool v6) const {
  const Family& f = v6 ? v6_ : v4_;
  return f.socket ? (f.raw ? "raw" : "datagram") : "";
}

Pinger::Family& Pinger::open(bool v6) {
  Family& f = v6 ? v6_ : v4_;
  if (f.tried) {
    return f;
  }
  f.tried = true;
  const int domain = v6 ? AF_INET6 : AF_INET;
  const int protocol = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  int fd = ::socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  const int dgram_errno = errno;
  if (fd < 0) {
    fd = ::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      f.error = fmt::format(
          "cannot open an ICMP socket: unprivileged ping sockets are not allowed ({}; "
          "net.ipv4.ping_group_range is \"{}\" and must include group {}) and a raw socket "
          "needs CAP_NET_RAW ({})",
          std::strerror(dgram_errno), pingGroupRange(), ::getegid(), std::strerror(errno));
      spdlog::warn("icmp checks ({}): {}", v6 ? "IPv6" : "IPv4", f.error);
      return f;
    }
    f.raw = true;
  }
  f.socket.emplace(io_, fd);
  spdlog::info("icmp checks: {} pings go through a {} socket", v6 ? "IPv6" : "IPv4",
               f.raw ? "raw" : "datagram");
  receive(f, v6);
  return f;
}

uint16_t Pinger::nextSeq() {
  // At most 65,536 requests in flight per loop: far more than timeouts let pile up.
  for (int i = 0; i < 65536; ++i) {
    const uint16_t seq = next_seq_++;
    if (waiting_.count(seq) == 0) {
      return seq;
    }
  }
  return next_seq_++;
}

Pinger::Sent Pinger::send(const asio::ip::address& to, ReplyFn on_reply) {
  const bool v6 = to.is_v6();
  Family& f = open(v6);
  if (!f.socket) {
    return {std::nullopt, f.error, true};
  }
  const uint16_t seq = nextSeq();
  const auto packet = echoRequest(v6, raw_id_, seq, token_);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    const auto bytes = to.to_v6().to_bytes();
    std::memcpy(&a->sin6_addr, bytes.data(), bytes.size());
    a->sin6_scope_id = static_cast<uint32_t>(to.to_v6().scope_id());
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    const auto bytes = to.to_v4().to_bytes();
    std::memcpy(&a->sin_addr, bytes.data(), bytes.size());
    len = sizeof(sockaddr_in);
  }
  const auto sent_at = std::chrono::steady_clock::now();
  const ssize_t n = ::sendto(f.socket->native_handle(), packet.data(), packet.size(), 0,
                             reinterpret_cast<const sockaddr*>(&addr), len);
  if (n < 0) {
    // EPERM: a local firewall rule dropped it; ENETUNREACH/EHOSTUNREACH: no route.
    return {std::nullopt,
            fmt::format("cannot send to {}: {}", to.to_string(), std::strerror(errno))};
  }
  waiting_[seq] = Waiting{std::move(on_reply), sent_at};
  return {seq, {}, false};
}

void Pinger::forget(uint16_t seq) {
  waiting_.erase(seq);
}

void Pinger::receive(Family& family, bool v6) {
  family.socket->async_wait(asio::posix::stream_descriptor::wait_read,
                            [this, &family, v6](const boost::system::error_code& ec) {
                              if (ec || !family.socket) {
                                return;
                              }
                              drain(family, v6);
                              receive(family, v6);
                            });
}

void Pinger::drain(Family& family, bool v6) {
  std::array<uint8_t, 1500> buffer{};
  // A bounded number per wake-up, so a flood of foreign ICMP cannot hold the loop.
  for (int i = 0; i < 256; ++i) {
    const ssize_t n = ::recv(family.socket->native_handle(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      return;  // EAGAIN: drained (errors on a datagram socket are per-packet: skip them)
    }
    const auto now = std::chrono::steady_clock::now();
    const bool ip_header = family.raw && !v6;  // raw IPv4 sockets get the IP header
    auto reply = parseEchoReply(
        v6, ip_header, std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)), token_);
    if (!reply || (family.raw && reply->id != raw_id_)) {
      continue;
    }
    auto it = waiting_.find(reply->seq);
    if (it == waiting_.end()) {
      continue;  // late, duplicate, or its run is gone
    }
    Waiting w = std::move(it->second);
    waiting_.erase(it);
    w.on_reply(std::chrono::duration_cast<std::chrono::nanoseconds>(now - w.sent));
  }
}

}  // namespace ninevolt::checks::icmp

#pragma once

// Pinger: every icmp check of one loop sends and receives through it, on one ICMP socket per
// address family: no thread, process or socket per ping. An asio service (one per
// io_context, boost::asio::use_service), so loops never share it.
//
// Sockets: an unprivileged ICMP datagram socket (SOCK_DGRAM/IPPROTO_ICMP, allowed when the
// process's group is in net.ipv4.ping_group_range, which covers IPv6 too); else a raw socket
// (needs CAP_NET_RAW). Replies are matched by sequence number and a random token in the
// payload (a raw socket sees every ICMP packet of the host, other processes' pings too).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "checks/icmp/icmp_packet.h"

namespace ninevolt::checks::icmp {

class Pinger : public boost::asio::execution_context::service {
 public:
  using key_type = Pinger;
  static inline boost::asio::execution_context::id id;  // NOLINT: asio's service id

  // Called with the round trip when the reply to one request comes.
  using ReplyFn = std::function<void(std::chrono::nanoseconds rtt)>;

  explicit Pinger(boost::asio::execution_context& context);
  ~Pinger() override;
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;

  // Sends one echo request to `to`. On success returns its sequence number: `on_reply` is
  // called on the loop when (if) the reply comes, until forget(seq). On failure returns the
  // reason ("cannot open an ICMP socket: ...", "sendto: ..."); on_reply is never called.
  struct Sent {
    std::optional<uint16_t> seq;
    std::string error;
    bool no_socket = false;  // the error is that no ICMP socket can be opened at all
  };
  Sent send(const boost::asio::ip::address& to, ReplyFn on_reply);
  // The run no longer waits for this reply (it finished or was cancelled).
  void forget(uint16_t seq);

  // For tests and logs: "datagram" or "raw" once a socket of that family is open, else "".
  std::string socketKind(bool v6) const;

 private:
  struct Family {
    std::optional<boost::asio::posix::stream_descriptor> socket;
    bool raw = false;
    bool tried = false;
    std::string error;  // why it cannot be opened
  };
  struct Waiting {
    ReplyFn on_reply;
    std::chrono::steady_clock::time_point sent;
  };

  void shutdown() override;
  Family& open(bool v6);
  void receive(Family& family, bool v6);
  void drain(Family& family, bool v6);
  uint16_t nextSeq();

  boost::asio::io_context& io_;
  Token token_{};
  uint16_t raw_id_ = 0;
  uint16_t next_seq_ = 0;
  Family v4_;
  Family v6_;
  std::unordered_map<uint16_t, Waiting> waiting_;
};

}  // namespace ninevolt::checks::icmp

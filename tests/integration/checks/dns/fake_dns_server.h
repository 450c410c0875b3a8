#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

namespace ninevolt::testing {

// A DNS server on 127.0.0.1:<port 0> that misbehaves on purpose, for what dnsmasq will not
// do on demand. It builds replies by hand from the query bytes (not with ldns, the library
// under test) and runs on the test's io_context beside the check: no threads.
class FakeDnsServer {
 public:
  struct Behaviour {
    bool silent = false;                 // never answer
    int rcode = 0;                       // rcode in every reply
    std::chrono::milliseconds delay{0};  // wait this long before answering
    int wrong_id_replies = 0;            // first send this many replies with a wrong ID
    bool only_wrong_ids = false;         // ... and then not the right one
    bool truncate = false;  // UDP replies set TC; TCP connections are accepted, never answered
    std::array<uint8_t, 4> a_record{10, 9, 9, 9};  // the answer when rcode is 0
  };

  FakeDnsServer(boost::asio::io_context& io, Behaviour behaviour);
  uint16_t port() const { return port_; }
  int queries() const { return queries_; }
  int tcpConnections() const { return static_cast<int>(tcp_peers_.size()); }

 private:
  void receive();
  void answer(std::vector<uint8_t> query, boost::asio::ip::udp::endpoint peer);
  std::vector<uint8_t> reply(const std::vector<uint8_t>& query, bool wrong_id) const;
  void accept();

  boost::asio::io_context& io_;
  Behaviour behaviour_;
  boost::asio::ip::udp::socket udp_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> tcp_peers_;
  std::array<uint8_t, 1500> buffer_{};
  boost::asio::ip::udp::endpoint peer_;
  uint16_t port_ = 0;
  int queries_ = 0;
};

}  // namespace ninevolt::testing

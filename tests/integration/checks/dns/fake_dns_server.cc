#include "fake_dns_server.h"

#include <boost/asio/steady_timer.hpp>

namespace ninevolt::testing {
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

FakeDnsServer::FakeDnsServer(asio::io_context& io, Behaviour behaviour)
    : io_(io),
      behaviour_(behaviour),
      udp_(io),
      acceptor_(io) {
  // The TCP retry goes to the same port number as UDP, and a free UDP port may be taken for
  // TCP: try pairs until both bind.
  for (int attempt = 0;; ++attempt) {
    udp_.open(udp::v4());
    udp_.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = udp_.local_endpoint().port();
    if (!behaviour_.truncate) {
      break;
    }
    const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port_);
    boost::system::error_code ec;
    acceptor_.open(where.protocol());
    acceptor_.bind(where, ec);
    if (!ec) {
      acceptor_.listen();
      accept();
      break;
    }
    acceptor_.close();
    udp_.close();
    if (attempt == 50) {
      throw std::runtime_error("no port free for both UDP and TCP");
    }
  }
  receive();
}

void FakeDnsServer::receive() {
  udp_.async_receive_from(asio::buffer(buffer_), peer_,
                          [this](const boost::system::error_code& ec, size_t size) {
                            if (ec) {
                              return;
                            }
                            ++queries_;
                            if (!behaviour_.silent && size >= 12) {
                              answer({buffer_.begin(), buffer_.begin() + size}, peer_);
                            }
                            receive();
                          });
}

void FakeDnsServer::answer(std::vector<uint8_t> query, udp::endpoint peer) {
  std::vector<std::vector<uint8_t>> replies;
  for (int i = 0; i < behaviour_.wrong_id_replies; ++i) {
    replies.push_back(reply(query, true));
  }
  if (!behaviour_.only_wrong_ids) {
    replies.push_back(reply(query, false));
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, behaviour_.delay);
  timer->async_wait(
      [this, timer, replies = std::move(replies), peer](const boost::system::error_code& ec) {
        if (ec) {
          return;
        }
        for (const auto& r : replies) {
          boost::system::error_code ignored;
          udp_.send_to(asio::buffer(r), peer, 0, ignored);
        }
      });
}

// Header from the query with QR, RA and our rcode; the question copied (our queries carry
// nothing after it); one A record pointing back at the question name when rcode is 0.
std::vector<uint8_t> FakeDnsServer::reply(const std::vector<uint8_t>& query, bool wrong_id) const {
  std::vector<uint8_t> out = query;
  if (wrong_id) {
    out[0] ^= 0xff;
  }
  out[2] = static_cast<uint8_t>(0x80 | (query[2] & 0x01) | (behaviour_.truncate ? 0x02 : 0));
  out[3] = static_cast<uint8_t>(0x80 | (behaviour_.rcode & 0x0f));
  for (int i = 6; i < 12; ++i) {
    out[i] = 0;  // ancount, nscount, arcount
  }
  if (behaviour_.rcode == 0 && !behaviour_.truncate) {
    out[7] = 1;
    const auto& a = behaviour_.a_record;
    const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, a[0], a[1], a[2], a[3]};
    out.insert(out.end(), std::begin(rr), std::end(rr));
  }
  return out;
}

void FakeDnsServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket peer) {
    if (ec) {
      return;
    }
    // Held open and never answered: the check must time out in its TCP phase.
    tcp_peers_.push_back(std::make_unique<tcp::socket>(std::move(peer)));
    accept();
  });
}

}  // namespace ninevolt::testing

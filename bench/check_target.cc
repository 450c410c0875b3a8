#include "check_target.h"

#include <charconv>
#include <chrono>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace ninevolt::bench {

using boost::asio::ip::tcp;

namespace {

constexpr size_t kMaxRequest = 16 * 1024;
constexpr auto kSessionDeadline = std::chrono::seconds(10);
constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: "
    "close\r\n\r\nok\n";
constexpr std::string_view kFailure =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
    "Connection: close\r\n\r\ndown\n";

// "(member <id>)" out of "9volt/<version> (member <id>)".
std::string memberOf(std::string_view user_agent) {
  constexpr std::string_view kTag = "(member ";
  auto at = user_agent.find(kTag);
  if (at == std::string_view::npos) {
    return "";
  }
  auto rest = user_agent.substr(at + kTag.size());
  return std::string(rest.substr(0, rest.find(')')));
}

}  // namespace

class CheckTarget::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(CheckTarget& owner, tcp::socket socket)
      : owner_(owner),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(kMaxRequest) {}

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(kSessionDeadline);
    timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    boost::asio::async_read_until(
        socket_, buffer_, "\r\n\r\n",
        [self](const boost::system::error_code& ec, size_t n) { self->onRequest(ec, n); });
  }

 private:
  void onRequest(const boost::system::error_code& ec, size_t n) {
    if (ec) {
      owner_.bad_++;
      timer_.cancel();
      return;
    }
    std::string head(boost::asio::buffers_begin(buffer_.data()),
                     boost::asio::buffers_begin(buffer_.data()) + static_cast<ptrdiff_t>(n));
    // "GET /c123 HTTP/1.1"
    std::string path;
    auto sp1 = head.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) {
      path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    }
    std::string ua;
    for (std::string_view name : {"\r\nUser-Agent: ", "\r\nuser-agent: "}) {
      auto at = head.find(name);
      if (at != std::string::npos) {
        auto start = at + name.size();
        ua = head.substr(start, head.find("\r\n", start) - start);
        break;
      }
    }
    const auto check = owner_.record(path, ua);
    auto self = shared_from_this();
    const uint32_t every = owner_.flap_every_.load();
    const bool flapped_down = check && every > 0 && owner_.flap_down_.load() && *check % every == 0;
    const std::string_view answer = owner_.failing_.load() || flapped_down ? kFailure : kResponse;
    boost::asio::async_write(socket_, boost::asio::buffer(answer.data(), answer.size()),
                             [self](const boost::system::error_code&, size_t) {
                               boost::system::error_code ignored;
                               self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                               self->socket_.close(ignored);
                               self->timer_.cancel();
                             });
  }

  CheckTarget& owner_;
  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::asio::streambuf buffer_;
};

CheckTarget::CheckTarget(size_t ports) {
  for (size_t i = 0; i < ports; ++i) {
    auto a = std::make_unique<tcp::acceptor>(io_);
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    a->open(ep.protocol());
    a->set_option(tcp::acceptor::reuse_address(true));
    a->bind(ep);
    a->listen(4096);
    ports_.push_back(a->local_endpoint().port());
    acceptors_.push_back(std::move(a));
  }
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    accept(i);
  }
  thread_ = std::thread([this] { io_.run(); });
}

CheckTarget::~CheckTarget() {
  io_.stop();
  thread_.join();
}

void CheckTarget::accept(size_t i) {
  acceptors_[i]->async_accept([this, i](const boost::system::error_code& ec, tcp::socket s) {
    if (!ec) {
      std::make_shared<Session>(*this, std::move(s))->start();
    }
    accept(i);
  });
}

std::optional<uint32_t> CheckTarget::record(const std::string& path,
                                            const std::string& user_agent) {
  uint32_t check = 0;
  if (path.size() < 3 || path.compare(0, 2, "/c") != 0
      || std::from_chars(path.data() + 2, path.data() + path.size(), check).ec != std::errc()) {
    bad_++;
    return std::nullopt;
  }
  if (!logging_.load()) {
    return check;
  }
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string member = memberOf(user_agent);
  std::lock_guard lock(mu_);
  uint16_t index = 0;
  for (size_t m = 1; m < members_.size(); ++m) {
    if (members_[m] == member) {
      index = static_cast<uint16_t>(m);
      break;
    }
  }
  if (index == 0 && !member.empty()) {
    members_.push_back(member);
    index = static_cast<uint16_t>(members_.size() - 1);
  }
  log_.push_back({ms, check, index});
  return check;
}

std::vector<RunRecord> CheckTarget::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

size_t CheckTarget::logSize() const {
  std::lock_guard lock(mu_);
  return log_.size();
}

std::vector<std::string> CheckTarget::members() const {
  std::lock_guard lock(mu_);
  return members_;
}

}  // namespace ninevolt::bench

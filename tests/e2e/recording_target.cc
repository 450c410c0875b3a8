#include "recording_target.h"

#include <algorithm>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ninevolt::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

// "/c/<name>/hold/<ms>..." -> (name, ms); ms = 0 when there is no hold part.
std::pair<std::string, int> parsePath(const std::string& path) {
  if (path.rfind("/c/", 0) != 0) {
    return {"", 0};
  }
  std::string rest = path.substr(3);
  rest = rest.substr(0, rest.find('?'));
  auto slash = rest.find('/');
  std::string name = rest.substr(0, slash);
  int hold = 0;
  if (slash != std::string::npos && rest.compare(slash, 6, "/hold/") == 0) {
    hold = std::atoi(rest.c_str() + slash + 6);
  }
  return {name, hold};
}

std::string memberOf(std::string_view user_agent) {
  auto p = user_agent.find("(member ");
  if (p == std::string_view::npos) {
    return "?";
  }
  auto id = user_agent.substr(p + 8);
  return std::string(id.substr(0, id.find(')')));
}

}  // namespace

struct RecordingTarget::Impl {
  // A held answer: the timer, and whether the client hung up before it fired.
  struct Hold {
    explicit Hold(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    bool client_gone = false;
  };

  static asio::awaitable<void> drainUntilClosed(tcp::socket& socket) {
    char byte = 0;
    boost::system::error_code ec;
    while (!ec) {
      co_await socket.async_read_some(asio::buffer(&byte, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  static asio::awaitable<void> connection(RecordingTarget& target, tcp::socket socket) {
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    boost::system::error_code ec;
    co_await bhttp::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    Hit hit;
    hit.at_ms = target.nowMs();
    hit.path = std::string(req.target());
    auto agent = req[bhttp::field::user_agent];
    hit.member = memberOf(std::string_view(agent.data(), agent.size()));
    auto [name, hold_ms] = parsePath(hit.path);
    hit.check = name;
    size_t index = 0;
    int status = 200;
    {
      std::lock_guard lock(target.mu_);
      index = target.hits_.size();
      if (!name.empty() && target.failing_members_.contains(hit.member)) {
        status = 503;  // this member's location cannot reach the target
      }
      target.hits_.push_back(std::move(hit));
      if (auto it = target.status_.find(name); it != target.status_.end()) {
        status = it->second;
        if (status == RecordingTarget::kAlternate) {
          // 200 and 500 by turns: every run of the check changes its state.
          status = target.alternations_[name]++ % 2 == 0 ? 500 : 200;
        }
      }
    }
    if (hold_ms > 0) {
      // Any readability before the timer fires is the client closing (it sent its whole
      // request and waits for ours).
      auto hold = std::make_shared<Hold>(target.io_);
      hold->timer.expires_after(std::chrono::milliseconds(hold_ms));
      socket.async_wait(tcp::socket::wait_read, [hold](const boost::system::error_code& e) {
        if (!e) {
          hold->client_gone = true;
          hold->timer.cancel();
        }
      });
      co_await hold->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (hold->client_gone) {
        target.aborted_++;
        std::lock_guard lock(target.mu_);
        target.hits_[index].aborted = true;
        co_return;
      }
      socket.cancel(ec);  // the wait above completes with operation_aborted
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), req.version()};
    res.keep_alive(false);
    res.body() = "ok";
    res.prepare_payload();
    co_await bhttp::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    // The client (curl, no connection reuse) closes first; wait for it so the answer is
    // never cut by a reset.
    co_await drainUntilClosed(socket);
  }

  static asio::awaitable<void> accept(RecordingTarget& target) {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await target.acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted) {
          co_return;
        }
        continue;  // e.g. EMFILE for a moment: keep accepting
      }
      asio::co_spawn(target.io_, connection(target, std::move(socket)), asio::detached);
    }
  }
};

RecordingTarget::RecordingTarget()
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, Impl::accept(*this), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

RecordingTarget::~RecordingTarget() {
  io_.stop();
  thread_.join();
}

int64_t RecordingTarget::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start_)
      .count();
}

size_t RecordingTarget::count() const {
  std::lock_guard lock(mu_);
  return hits_.size();
}

std::vector<Hit> RecordingTarget::hits(size_t from) const {
  std::lock_guard lock(mu_);
  from = std::min(from, hits_.size());
  return {hits_.begin() + static_cast<ptrdiff_t>(from), hits_.end()};
}

std::vector<Hit> RecordingTarget::hitsSince(int64_t at_ms) const {
  std::lock_guard lock(mu_);
  // Arrival times only grow along the vector (one thread appends, stamping as it goes).
  auto it = std::lower_bound(hits_.begin(), hits_.end(), at_ms,
                             [](const Hit& h, int64_t t) { return h.at_ms < t; });
  return {it, hits_.end()};
}

void RecordingTarget::setFailingMembers(std::set<std::string> members) {
  std::lock_guard lock(mu_);
  failing_members_ = std::move(members);
}

void RecordingTarget::setStatus(const std::string& check, int status) {
  std::lock_guard lock(mu_);
  status_[check] = status;
}

}  // namespace ninevolt::e2e

#include "support/sse_client.h"

#include <cctype>
#include <limits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

#include "support/slowdown.h"

namespace ninevolt::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace

SseClient::SseClient(uint16_t port, const std::string& target,
                     const std::map<std::string, std::string>& headers) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) {
    request += k + ": " + v + "\r\n";
  }
  request += "Accept: text/event-stream\r\nConnection: close\r\n\r\n";
  thread_ = std::thread([this, port, request] { run(port, request); });
}

SseClient::~SseClient() {
  close();
  thread_.join();
}

void SseClient::close() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);  // wakes the reading thread
  }
}

void SseClient::run(uint16_t port, std::string request) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  {
    std::lock_guard lock(mu_);
    if (!ec) {
      fd_ = socket.native_handle();
    }
  }
  if (!ec) {
    asio::write(socket, asio::buffer(request), ec);
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (!ec) {
    http::read_header(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) {
      ec = {};  // body bytes came along: read below
    }
  }
  if (!ec) {
    std::lock_guard lock(mu_);
    status_ = parser.get().result_int();
    for (const auto& f : parser.get()) {
      headers_[lower(std::string(f.name_string()))] = std::string(f.value());
    }
    head_done_ = true;
    cv_.notify_all();
  }
  while (!ec && !parser.is_done()) {
    char tmp[4096];
    parser.get().body().data = tmp;
    parser.get().body().size = sizeof tmp;
    http::read_some(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    size_t n = sizeof tmp - parser.get().body().size;
    std::lock_guard lock(mu_);
    body_.append(tmp, n);
    parse();
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  head_done_ = true;
  ended_ = true;
  clean_ = !ec && parser.is_done();
  fd_ = -1;
  cv_.notify_all();
}

void SseClient::parse() {
  while (true) {
    auto nl = body_.find('\n', parsed_);
    if (nl == std::string::npos) {
      return;
    }
    std::string line = body_.substr(parsed_, nl - parsed_);
    parsed_ = nl + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty()) {
      if (has_data_) {
        messages_.push_back(current_);
      }
      current_.event.clear();
      current_.data.clear();
      has_data_ = false;
      continue;  // the id stays (the EventSource's last event id)
    }
    if (line[0] == ':') {
      ++comments_;
      continue;
    }
    auto colon = line.find(':');
    std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') {
      value.erase(0, 1);
    }
    if (field == "data") {
      current_.data += (has_data_ ? "\n" : "") + value;
      has_data_ = true;
    } else if (field == "event") {
      current_.event = value;
    } else if (field == "id") {
      current_.id = value;
    }
  }
}

int SseClient::status(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, slow(timeout), [&] { return head_done_; });
  return status_;
}

std::string SseClient::header(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = headers_.find(lower(name));
  return it == headers_.end() ? "" : it->second;
}

std::string SseClient::body() {
  std::lock_guard lock(mu_);
  return body_;
}

std::optional<SseMessage> SseClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, slow(timeout), [&] { return !messages_.empty() || ended_; });
  if (messages_.empty()) {
    return std::nullopt;
  }
  auto m = std::move(messages_.front());
  messages_.pop_front();
  return m;
}

bool SseClient::waitEnded(std::chrono::milliseconds timeout, bool* clean) {
  std::unique_lock lock(mu_);
  bool ended = cv_.wait_for(lock, slow(timeout), [&] { return ended_; });
  if (clean != nullptr) {
    *clean = clean_;
  }
  return ended;
}

int SseClient::comments() {
  std::lock_guard lock(mu_);
  return comments_;
}

}  // namespace ninevolt::testing

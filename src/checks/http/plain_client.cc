#include "checks/http/plain_client.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <strings.h>

namespace ninevolt::checks::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr int kMaxRedirects = 10;              // as CURLOPT_MAXREDIRS in http_check.cc
constexpr uint32_t kHeaderLimit = 100 * 1024;  // curl's CURL_MAX_HTTP_HEADER
constexpr std::size_t kReadChunk = 16 * 1024;

// A response body kept up to a cap: the bytes past it are not stored, and the first of
// them stops the parse (as curl's write callback does in http_run.cc), so a huge body is
// never read to its end.
struct CappedBody {
  struct value_type {
    std::string data;
    std::size_t cap = 0;
    bool capped = false;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>& /*header*/, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& /*length*/, error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      ec = {};
      std::size_t taken = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
           ++it) {
        asio::const_buffer b = *it;
        const std::size_t room = body_.cap - body_.data.size();
        const std::size_t n = std::min(room, b.size());
        body_.data.append(static_cast<const char*>(b.data()), n);
        taken += n;
        if (n < b.size()) {
          body_.capped = true;
          ec = bhttp::error::body_limit;  // ours: the parser's own limit is off
          break;
        }
      }
      return taken;
    }

    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

using Parser = bhttp::response_parser<CappedBody>;

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// curl follows any 3xx that has a Location (300 and 304 included).
bool isRedirect(unsigned status) {
  return status >= 300 && status < 400;
}

// A path curl would percent-encode before sending (it follows with CURLU_URLENCODE): spaces,
// control bytes and anything not ASCII. Such a hop is left to curl.
bool needsEncoding(std::string_view path) {
  return std::any_of(path.begin(), path.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b >= 0x7f;
  });
}

// host[:port] of an http:// URL; nullopt unless the host is an IP address (a name needs a
// DNS lookup, which stays curl's) and the port is valid.
std::optional<std::pair<std::string, uint16_t>> ipAuthority(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return std::nullopt;  // credentials in the URL: curl's job
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::nullopt;
      }
      port = rest.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!isIpLiteral(host)) {
    return std::nullopt;
  }
  unsigned value = 80;
  if (!port.empty()) {
    if (port.size() > 5
        || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    value = static_cast<unsigned>(std::stoul(std::string(port)));
    if (value == 0 || value > 65535) {
      return std::nullopt;
    }
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(value));
}

std::string hostHeader(std::string_view host, uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
  if (port != 80) {
    out += ":" + std::to_string(port);
  }
  return out;
}

}  // namespace

struct PlainExchange::Hop {
  std::string host;  // an IP literal
  uint16_t port = 80;
  std::string path;
  std::string request;
  std::optional<Parser> parser;
  Clock::time_point started;
  int64_t connect_us = -1;     // from the hop's start; -1 = not connected
  int64_t first_byte_us = -1;  // from the hop's start; -1 = nothing received

  void newParser(bool head, int64_t max_body) {
    parser.emplace();
    parser->eager(true);
    parser->header_limit(kHeaderLimit);
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser->skip(head);
    parser->get().body().cap = static_cast<std::size_t>(max_body);
  }
};

std::shared_ptr<PlainExchange> PlainExchange::start(asio::io_context& io, const HttpTarget& target,
                                                    std::string_view user_agent, Done done) {
  auto exchange = std::make_shared<PlainExchange>(io, target, user_agent, std::move(done));
  exchange->begin();
  return exchange;
}

PlainExchange::PlainExchange(asio::io_context& io, const HttpTarget& target,
                             std::string_view user_agent, Done done)
    : io_(io),
      target_(&target),
      user_agent_(user_agent),
      done_(std::move(done)),
      socket_(io),
      deadline_(io) {}

PlainExchange::~PlainExchange() = default;

std::string PlainExchange::requestBytes(const HttpTarget& target, std::string_view method,
                                        std::string_view host_header, std::string_view path,
                                        std::string_view user_agent) {
  auto user_has = [&](std::string_view name) { return target.header(name) != nullptr; };
  // curl sends a body (POSTFIELDS) for POST, PUT and PATCH, and for any method given one.
  const bool with_body =
      method != "HEAD"
      && (!target.request_body.empty() || method == "POST" || method == "PUT" || method == "PATCH");
  std::string out;
  out.reserve(128 + path.size() + target.request_body.size());
  out.append(method).append(" ").append(path.empty() ? "/" : path).append(" HTTP/1.1\r\n");
  // A header with an empty value goes out as "Name:", as curl sends its "Name;" form.
  auto line = [&](std::string_view name, std::string_view value) {
    out.append(name).append(value.empty() ? ":" : ": ").append(value).append("\r\n");
  };
  // A Host of the monitor's own takes the place of curl's, right after the request line.
  const auto* user_host = target.header("Host");
  if (user_host == nullptr) {
    line("Host", host_header);
  } else {
    line(user_host->first, user_host->second);
  }
  if (!user_has("User-Agent")) {
    line("User-Agent", user_agent);
  }
  if (!user_has("Accept")) {
    line("Accept", "*/*");
  }
  for (const auto& h : target.headers) {
    if (&h != user_host) {
      line(h.first, h.second);
    }
  }
  if (with_body) {
    if (!user_has("Content-Length")) {
      line("Content-Length", std::to_string(target.request_body.size()));
    }
    if (!user_has("Content-Type")) {
      line("Content-Type", "application/x-www-form-urlencoded");
    }
  }
  out.append("\r\n");
  if (with_body) {
    out.append(target.request_body);
  }
  return out;
}

int64_t PlainExchange::elapsedUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
}

void PlainExchange::begin() {
  started_ = Clock::now();
  deadline_.expires_after(target_->timeout);
  deadline_.async_wait([self = shared_from_this()](const error_code& ec) { self->onTimeout(ec); });
  // curl never sends a fragment.
  const std::string_view path = target_->path();
  connectTo(std::string(target_->host()), target_->port,
            std::string(path.substr(0, path.find('#'))));
}

void PlainExchange::connectTo(const std::string& host, uint16_t port, std::string path) {
  hop_ = std::make_unique<Hop>();
  hop_->host = host;
  hop_->port = port;
  hop_->path = std::move(path);
  hop_->started = Clock::now();
  progress_.got_bytes = false;
  progress_.headers_done = false;
  const bool head = target_->method == "HEAD";
  hop_->newParser(head, target_->max_body);
  hop_->request =
      requestBytes(*target_, target_->method, hostHeader(host, port), hop_->path, user_agent_);
  buffer_.clear();

  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    socket_.open(address.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
  }
  if (ec) {
    // Never call back from inside start(): post the failure.
    asio::post(io_, [self = shared_from_this(), ec] {
      self->fail(CURLE_COULDNT_CONNECT, "cannot open a socket: " + ec.message(), ec.value());
    });
    return;
  }
  socket_.async_connect(asio::ip::tcp::endpoint(address, port),
                        [self = shared_from_this()](const error_code& e) { self->onConnected(e); });
}

void PlainExchange::onConnected(const error_code& ec) {
  if (target_ == nullptr) {
    return;
  }
  if (ec) {
    fail(CURLE_COULDNT_CONNECT,
         "Failed to connect to " + hop_->host + " port " + std::to_string(hop_->port) + ": "
             + ec.message(),
         ec.value());
    return;
  }
  hop_->connect_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - hop_->started).count();
  asio::async_write(
      socket_, asio::buffer(hop_->request),
      [self = shared_from_this()](const error_code& e, std::size_t /*n*/) { self->onWritten(e); });
}

void PlainExchange::onWritten(const error_code& ec) {
  if (target_ == nullptr) {
    return;
  }
  if (ec) {
    fail(CURLE_SEND_ERROR, "Send failure: " + ec.message());
    return;
  }
  readMore();
}

void PlainExchange::readMore() {
  socket_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](const error_code& ec, std::size_t n) { self->onRead(ec, n); });
}

void PlainExchange::onRead(const error_code& ec, std::size_t n) {
  if (target_ == nullptr) {
    return;
  }
  if (ec == asio::error::eof) {
    parse(true);
    return;
  }
  if (ec) {
    fail(CURLE_RECV_ERROR, "Recv failure: " + ec.message());
    return;
  }
  buffer_.commit(n);
  if (hop_->first_byte_us < 0) {
    hop_->first_byte_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - hop_->started).count();
    progress_.got_bytes = true;
  }
  parse(false);
}

void PlainExchange::parse(bool at_eof) {
  Parser& parser = *hop_->parser;
  while (buffer_.size() > 0 && !parser.is_done()) {
    error_code ec;
    const std::size_t used = parser.put(buffer_.data(), ec);
    buffer_.consume(used);
    progress_.headers_done = parser.is_header_done();
    if (ec == bhttp::error::need_more) {
      // Beast wants CRLF line ends; curl also takes bare LFs. Headers that ended in "\n\n"
      // would otherwise wait here for the timeout.
      const std::string_view held(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if (!parser.is_header_done() && held.find("\n\n") != std::string_view::npos) {
        unparsable("header lines end in a bare LF");
        return;
      }
      break;
    }
    if (ec == bhttp::error::body_limit && parser.get().body().capped) {
      onResponse();  // the body reached max-body: the rest is not read
      return;
    }
    if (ec == bhttp::error::header_limit) {
      // Not handed to curl: it limits each line (to 100 KiB too) and reports a longer one
      // as "Out of memory", which would read as 9volt's fault.
      fail(CURLE_WEIRD_SERVER_REPLY, "response headers larger than 100 KiB");
      return;
    }
    if (ec) {
      unparsable(ec.message());
      return;
    }
    if (parser.is_done()) {
      const unsigned status = parser.get().result_int();
      if (status >= 100 && status < 200 && status != 101) {
        // An interim answer (100 Continue, 103 Early Hints): the real one follows.
        hop_->newParser(target_->method == "HEAD", target_->max_body);
        progress_.headers_done = false;
        parse(at_eof);
        return;
      }
      break;
    }
    if (used == 0) {
      break;
    }
  }
  if (parser.is_done()) {
    onResponse();
    return;
  }
  if (!at_eof) {
    readMore();
    return;
  }
  if (!parser.got_some()) {
    // Nothing, or nothing after an interim 1xx answer (which is no reply, for curl too); or
    // the start of a status line that never ended.
    if (buffer_.size() > 0) {
      unparsable("the connection closed in the middle of the status line");
    } else {
      fail(CURLE_GOT_NOTHING, "Empty reply from server");
    }
    return;
  }
  error_code ec;
  parser.put_eof(ec);
  if (!ec && parser.is_done()) {
    onResponse();  // a body that ends with the connection
    return;
  }
  fail(CURLE_PARTIAL_FILE, parser.is_header_done()
                               ? "the connection closed before the whole body arrived"
                               : "the connection closed in the middle of the response headers");
}

void PlainExchange::onResponse() {
  auto& message = hop_->parser->get();
  const unsigned status = message.result_int();
  if (target_->follow_redirects && isRedirect(status)) {
    const auto location = message[bhttp::field::location];
    if (!location.empty()) {
      if (redirects_ >= kMaxRedirects) {
        fail(CURLE_TOO_MANY_REDIRECTS,
             "Maximum (" + std::to_string(kMaxRedirects) + ") redirects followed");
        return;
      }
      std::string_view to(location.data(), location.size());
      to = to.substr(0, to.find('#'));
      std::optional<std::pair<std::string, uint16_t>> next;
      std::string path;
      if (startsWithNoCase(to, "http://")) {
        std::string_view rest = to.substr(7);
        const auto end = rest.find_first_of("/?");
        next = ipAuthority(rest.substr(0, end));
        path = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
        if (!path.empty() && path.front() == '?') {
          path.insert(0, "/");
        }
      } else if (!to.empty() && to.front() == '/' && (to.size() < 2 || to[1] != '/')) {
        next = std::make_pair(hop_->host, hop_->port);
        path = std::string(to);
      }
      // Left to curl: what it would encode, and the monitor's own headers going to another
      // host (curl drops Authorization and Cookie there and writes its own Host).
      const bool other_host = next && (next->first != hop_->host || next->second != hop_->port);
      if (!next || needsEncoding(path) || (other_host && !target_->headers.empty())) {
        handOff();
        return;
      }
      ++redirects_;
      error_code ignored;
      socket_.close(ignored);  // each hop is a fresh connection, as curl's with FRESH_CONNECT
      connectTo(next->first, next->second, std::move(path));
      return;
    }
  }
  Result result;
  auto& body = message.body();
  result.outcome.rc = body.capped ? CURLE_WRITE_ERROR : CURLE_OK;
  result.outcome.capped = body.capped;
  result.outcome.body = std::move(body.data);
  result.outcome.status = status;
  finish(std::move(result));
}

void PlainExchange::unparsable(std::string detail) {
  if (target_->plainResendable()) {
    handOff();  // curl reads more kinds of answer than Beast; it has the last word
    return;
  }
  fail(CURLE_WEIRD_SERVER_REPLY, std::move(detail));
}

void PlainExchange::handOff() {
  Result result;
  result.handoff =
      redirects_ == 0 ? target_->url : "http://" + hostHeader(hop_->host, hop_->port) + hop_->path;
  result.redirects_left = kMaxRedirects - redirects_;
  finish(std::move(result));
}

void PlainExchange::onTimeout(const error_code& ec) {
  if (ec || target_ == nullptr) {
    return;  // cancelled: the run ended first
  }
  Result result;
  result.outcome.rc = CURLE_OPERATION_TIMEDOUT;
  finish(std::move(result));
}

void PlainExchange::fail(CURLcode rc, std::string detail, long os_errno) {
  if (target_ == nullptr) {
    return;
  }
  Result result;
  result.outcome.rc = rc;
  result.outcome.detail = std::move(detail);
  result.outcome.os_errno = os_errno;
  if (hop_ && hop_->parser && hop_->parser->is_header_done()) {
    result.outcome.status = hop_->parser->get().result_int();
  }
  finish(std::move(result));
}

void PlainExchange::finish(Result result) {
  if (target_ == nullptr) {
    return;
  }
  Timings& t = result.outcome.timings;
  // The phases are the last hop's (after a redirect, the one that answered); total is the
  // whole run. An IP address needs no lookup: 1 µs keeps the "dns" phase, as curl's tiny
  // value for one does.
  t.namelookup_us = 1;
  if (hop_ && hop_->connect_us >= 0) {
    t.connect_us = t.namelookup_us + std::max<int64_t>(hop_->connect_us, 1);
    if (hop_->first_byte_us >= 0) {
      t.starttransfer_us = t.namelookup_us + std::max(hop_->first_byte_us, hop_->connect_us + 1);
    }
  }
  t.total_us = std::max<int64_t>(elapsedUs(), 1);
  result.outcome.progress = progress_;
  target_ = nullptr;
  error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
  hop_.reset();
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));
}

void PlainExchange::cancel() {
  target_ = nullptr;
  done_ = nullptr;
  error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
}

}  // namespace ninevolt::checks::http

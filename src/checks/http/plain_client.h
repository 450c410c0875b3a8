#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "checks/http/http_target.h"
#include "checks/http/http_verdict.h"

namespace ninevolt::checks::http {

// One run of a plain `http://` check to an IP address, on asio with Beast's HTTP/1.1 parser
// instead of libcurl. Same request bytes as curl sends (Host, User-Agent, Accept, the
// monitor's headers, Content-Length/-Type with a body), a fresh connection per run, the
// body kept up to max-body, 1xx answers skipped, redirects to http:// on an IP address
// followed (up to 10, as curl). It exists for its cost: ~11 system calls per run against
// curl's ~19 (bench/README.md, "Fourth round"); everything else stays with curl.
//
// What it does not do as curl would, it hands to curl: the exchange ends with `handoff` set
// and the check makes this hop again with curl, which follows on from there. That is a
// redirect to https, to a host name, to a relative path or to a path curl would
// percent-encode; the monitor's own headers going to another host (curl drops Authorization
// and Cookie there); and an answer Beast cannot parse but curl may (bare-LF line ends, no
// space after the status code). Only GET/HEAD without a body
// are handed over (HttpTarget::plainResendable), so the hop is safe to repeat; any other
// method (sent only with redirects off) with an unparsable answer is an "invalid HTTP
// response".
//
// The check owns the exchange through a shared_ptr; handlers keep it alive until they have
// run. cancel() closes the socket at once and no callback follows. `target` must outlive
// the exchange until it either called back or was cancelled.
class PlainExchange : public std::enable_shared_from_this<PlainExchange> {
 public:
  struct Result {
    Outcome outcome;
    // Set when a redirect needs curl: the URL of the hop to make again, and how many
    // redirects are left for curl to follow.
    std::optional<std::string> handoff;
    long redirects_left = 0;
  };
  using Done = std::function<void(Result)>;

  static std::shared_ptr<PlainExchange> start(boost::asio::io_context& io, const HttpTarget& target,
                                              std::string_view user_agent, Done done);
  PlainExchange(boost::asio::io_context& io, const HttpTarget& target, std::string_view user_agent,
                Done done);
  ~PlainExchange();
  PlainExchange(const PlainExchange&) = delete;
  PlainExchange& operator=(const PlainExchange&) = delete;

  void cancel();

  // The request curl would send for this hop (exposed for tests).
  static std::string requestBytes(const HttpTarget& target, std::string_view method,
                                  std::string_view host_header, std::string_view path,
                                  std::string_view user_agent);

 private:
  struct Hop;
  using Clock = std::chrono::steady_clock;

  void begin();
  void connectTo(const std::string& host, uint16_t port, std::string path);
  void onConnected(const boost::system::error_code& ec);
  void onWritten(const boost::system::error_code& ec);
  void readMore();
  void onRead(const boost::system::error_code& ec, std::size_t n);
  void parse(bool at_eof);
  void onResponse();
  void onTimeout(const boost::system::error_code& ec);
  void fail(CURLcode rc, std::string detail, long os_errno = 0);
  // An answer Beast cannot read: curl makes the hop again when that is safe, else it fails.
  void unparsable(std::string detail);
  // curl makes this hop again and follows on from it.
  void handOff();
  void finish(Result result);
  int64_t elapsedUs() const;

  boost::asio::io_context& io_;
  const HttpTarget* target_;  // null once finished or cancelled
  std::string user_agent_;
  Done done_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<Hop> hop_;  // the request in flight and its parser
  Clock::time_point started_;
  Progress progress_;
  int redirects_ = 0;
};

}  // namespace ninevolt::checks::http

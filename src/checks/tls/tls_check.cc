#include "checks/tls/tls_check.h"

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "checks/per_run_check.h"
#include "checks/run_support.h"
#include "checks/tcp_connect.h"
#include "checks/tls/starttls.h"
#include "checks/tls/tls_type.h"
#include "checks/tls_client.h"
#include "common/duration.h"

namespace ninevolt::checks::tls {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// A STARTTLS line longer than this, or a dialogue of more lines, is not a mail server.
constexpr size_t kMaxLine = 4096;
constexpr int kMaxLines = 100;

// One SSL_CTX per (verify, minimum version), made on first use and shared by every check of
// the factory on every loop: loading a CA store per run or per check would cost milliseconds
// and memory. An SSL_CTX is safe to share between threads once set up.
class Contexts {
 public:
  explicit Contexts(TlsOptions options) : options_(std::move(options)) {}

  std::shared_ptr<ssl::context> get(bool verify, const std::string& min_version) {
    std::lock_guard lock(mutex_);
    auto& slot = contexts_[{verify, min_version}];
    if (!slot) {
      slot = make(verify, min_version);
    }
    return slot;
  }

 private:
  std::shared_ptr<ssl::context> make(bool verify, const std::string& min_version) const {
    // Verification runs and its result is read after the handshake (SSL_get_verify_result),
    // so an untrusted or expired certificate is reported with its days left, not as a
    // failed handshake: verify_peer stays off.
    return makeTlsClientContext({.verify = verify,
                                 .verify_peer = false,
                                 .ca_file = options_.ca_file,
                                 .min_version = min_version,
                                 .log_name = "tls checks"});
  }

  TlsOptions options_;
  std::mutex mutex_;
  std::map<std::pair<bool, std::string>, std::shared_ptr<ssl::context>> contexts_;
};

// What a tls run reads of its monitor, and its context: kept while the check is owned.
struct TlsSettings {
  TlsSettings(const config::MonitorSpec& spec, std::shared_ptr<ssl::context> context)
      : name(spec.name), timeout(spec.timeout), ctx(std::move(context)) {
    const auto& t = spec.options<TlsSpec>();
    host = t.host;
    server_name = t.server_name.empty() ? t.host : t.server_name;
    starttls = t.starttls;
    verify = t.tls_verify;
    port = static_cast<uint16_t>(t.port);
    warning = t.cert_expiry_warning;
    critical = t.cert_expiry_critical;
    const bool v6 = host.find(':') != std::string::npos;
    label = fmt::format("{}:{}", v6 ? "[" + host + "]" : host, port);
  }
  std::string name;
  std::string host;
  std::string server_name;
  std::string starttls;
  std::string label;
  common::Nanos timeout;
  common::Nanos warning;
  common::Nanos critical;
  uint16_t port = 0;
  bool verify = true;
  std::shared_ptr<ssl::context> ctx;
};

std::string opensslError(const ErrorCode& ec) {
  // asio's message for an ssl category error is OpenSSL's reason string
  // ("wrong version number", "tlsv1 alert protocol version").
  return ec.message();
}

// "2027-01-03": the certificate's notAfter, for messages.
std::string dateOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return "an unreadable date";
  }
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// The certificate's common name, else its whole subject.
std::string subjectOf(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i >= 0) {
    ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, cn);
    if (n >= 0) {
      std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
      OPENSSL_free(utf8);
      return out;
    }
  }
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

std::string daysText(int64_t seconds) {
  const int64_t days = seconds / 86400;
  if (days == 0) {
    return fmt::format("{}h", seconds / 3600);
  }
  return fmt::format("{} day{}", days, days == 1 ? "" : "s");
}

// One run: connect, STARTTLS if asked, handshake, judge. Every pending handler holds the run,
// so one that fires after cancel() finds live memory and does nothing. Loop thread only.
class TlsRun : public std::enable_shared_from_this<TlsRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = TlsSettings;

  TlsRun(std::shared_ptr<const TlsSettings> settings, asio::io_context& io, Check::DoneFn done)
      : s_(std::move(settings)),
        done_(std::move(done)),
        deadline_(io),
        resolver_(io),
        stream_(io, *s_->ctx),
        starttls_(s_->starttls) {}

  void start() {
    clock_.start();
    auto self = shared_from_this();
    deadline_.expires_after(s_->timeout);
    deadline_.async_wait([self](const ErrorCode& ec) { self->onTimeout(ec); });
    const bool resolving = connectTcp(
        stream_.next_layer(), resolver_, {s_->host, s_->port, s_->label},
        [self] {
          if (self->finished_) {
            return false;
          }
          self->clock_.end("resolve");
          self->stage_ = "connecting to " + self->s_->label;
          return true;
        },
        [self](std::optional<CheckResult> failed) { self->onConnected(std::move(failed)); });
    stage_ = resolving ? "resolving \"" + s_->host + "\"" : "connecting to " + s_->label;
  }

  void cancel() {
    finished_ = true;
    done_ = nullptr;
    ErrorCode ignored;
    deadline_.cancel();
    resolver_.cancel();
    stream_.lowest_layer().close(ignored);
  }

 private:
  void onConnected(std::optional<CheckResult> failed) {
    if (finished_) {
      return;
    }
    clock_.end("connect");
    if (failed) {
      finish(std::move(*failed));
      return;
    }
    if (!s_->starttls.empty()) {
      stage_ = "in the " + s_->starttls + " STARTTLS dialogue with " + s_->label;
      readLine();
      return;
    }
    handshake();
  }

  void readLine() {
    auto self = shared_from_this();
    asio::async_read_until(stream_.next_layer(), lines_, "\n",
                           [self](const ErrorCode& ec, size_t n) { self->onLine(ec, n); });
  }

  void onLine(const ErrorCode& ec, size_t n) {
    if (finished_) {
      return;
    }
    if (ec) {
      finish(CheckResult::critical(
          ec == asio::error::not_found
              ? fmt::format("the {} server at {} sent a line longer than {} bytes", s_->starttls,
                            s_->label, kMaxLine)
              : fmt::format("the {} server at {} closed the connection during STARTTLS: {}",
                            s_->starttls, s_->label, ec.message()),
          Failure::kProtocol));
      return;
    }
    std::string line(asio::buffers_begin(lines_.data()),
                     asio::buffers_begin(lines_.data()) + static_cast<std::ptrdiff_t>(n));
    lines_.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.pop_back();
    }
    if (++line_count_ > kMaxLines) {
      finish(CheckResult::critical(fmt::format("the {} server at {} sent more than {} lines "
                                               "before STARTTLS",
                                               s_->starttls, s_->label, kMaxLines),
                                   Failure::kProtocol));
      return;
    }
    act(starttls_.onLine(line));
  }

  void act(StartTls::Action action) {
    switch (action.step) {
      case StartTls::Step::kRead:
        // async_read_until looks at what is already buffered first.
        readLine();
        return;
      case StartTls::Step::kWrite: {
        out_ = std::move(action.text);
        auto self = shared_from_this();
        asio::async_write(
            stream_.next_layer(), asio::buffer(out_), [self](const ErrorCode& ec, size_t) {
              if (self->finished_) {
                return;
              }
              if (ec) {
                self->finish(
                    CheckResult::critical(fmt::format("cannot write to {} during STARTTLS: {}",
                                                      self->s_->label, ec.message()),
                                          Failure::kProtocol));
                return;
              }
              self->readLine();
            });
        return;
      }
      case StartTls::Step::kUpgrade:
        clock_.end("starttls");
        if (lines_.size() > 0) {
          // Bytes after the go-ahead would be read as TLS: a server that sends them is
          // broken, or someone injected them (CVE-2011-0411): refuse.
          finish(CheckResult::critical(fmt::format("the {} server at {} sent data after "
                                                   "agreeing to STARTTLS",
                                                   s_->starttls, s_->label),
                                       Failure::kProtocol));
          return;
        }
        handshake();
        return;
      case StartTls::Step::kFail:
        finish(CheckResult::critical(fmt::format("{} ({})", action.text, s_->label),
                                     Failure::kProtocol));
        return;
    }
  }

  void handshake() {
    stage_ = "in the TLS handshake with " + s_->label;
    prepareTlsConnection(stream_.native_handle(), s_->server_name, s_->verify);
    auto self = shared_from_this();
    stream_.async_handshake(ssl::stream_base::client,
                            [self](const ErrorCode& ec) { self->onHandshake(ec); });
  }

  void onHandshake(const ErrorCode& ec) {
    if (finished_) {
      return;
    }
    clock_.end("tls");
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("TLS handshake with {} failed: {}", s_->label, opensslError(ec)),
          Failure::kTls));
      return;
    }
    finish(judge());
  }

  CheckResult judge() {
    SSL* ssl = stream_.native_handle();
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr) {
      return CheckResult::critical(fmt::format("{} sent no certificate", s_->label), Failure::kTls);
    }
    const std::string subject = subjectOf(cert);
    const std::string version = SSL_get_version(ssl);
    int days = 0;
    int seconds = 0;
    const ASN1_TIME* not_after = X509_get0_notAfter(cert);
    if (ASN1_TIME_diff(&days, &seconds, nullptr, not_after) != 1) {
      return CheckResult::critical(
          fmt::format("certificate '{}' has an unreadable expiry date", subject), Failure::kTls);
    }
    const int64_t left = int64_t{days} * 86400 + seconds;
    const std::string until = dateOf(not_after);

    CheckResult result = CheckResult::ok();
    result.values["days_left"] = static_cast<double>(left) / 86400.0;
    if (left <= 0) {
      result = CheckResult::critical(
          fmt::format("certificate '{}' expired {} ago ({})", subject, daysText(-left), until),
          Failure::kCertExpiry);
    } else if (s_->verify) {
      if (long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
        const char* why = X509_verify_cert_error_string(v);
        result = CheckResult::critical(
            v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH
                ? fmt::format("certificate '{}' does not match '{}'", subject, s_->server_name)
                : fmt::format("certificate '{}' is not trusted: {}", subject, why),
            Failure::kTls);
      }
    }
    if (result.status == Status::kOk) {
      const std::chrono::seconds remaining(left);
      const std::string text = fmt::format("certificate '{}' expires in {} ({}), {}", subject,
                                           daysText(left), until, version);
      if (remaining < s_->critical) {
        result = CheckResult::critical(text, Failure::kCertExpiry);
      } else if (remaining < s_->warning) {
        result = CheckResult::warning(text, Failure::kCertExpiry);
      } else {
        result.message = fmt::format("certificate '{}' valid for {} (until {}), {}", subject,
                                     daysText(left), until, version);
      }
    }
    result.values["days_left"] = static_cast<double>(left) / 86400.0;
    return result;
  }

  void onTimeout(const ErrorCode& ec) {
    if (ec == asio::error::operation_aborted || finished_) {
      return;
    }
    clock_.end("timeout");
    finish(CheckResult::critical(
        fmt::format("timed out after {} {}", common::formatDuration(s_->timeout), stage_),
        Failure::kTimeout));
  }

  void finish(CheckResult result) {
    if (finished_) {
      return;
    }
    result.phases = clock_.finish();
    auto done = std::move(done_);
    cancel();  // sockets and timers go before anyone hears about the result
    report(std::move(done), std::move(result), "tls", s_->name);
  }

  std::shared_ptr<const TlsSettings> s_;
  Check::DoneFn done_;
  asio::steady_timer deadline_;
  tcp::resolver resolver_;
  ssl::stream<tcp::socket> stream_;
  StartTls starttls_;
  asio::streambuf lines_{kMaxLine};
  std::string out_;
  std::string stage_;
  int line_count_ = 0;
  bool finished_ = false;
  PhaseClock clock_;
};

class TlsCheckFactory final : public CheckFactory {
 public:
  explicit TlsCheckFactory(TlsOptions options)
      : contexts_(std::make_shared<Contexts>(std::move(options))) {}

  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    const auto& t = spec->options<TlsSpec>();
    auto settings =
        std::make_shared<const TlsSettings>(*spec, contexts_->get(t.tls_verify, t.min_tls_version));
    return std::make_unique<PerRunCheck<TlsRun>>(std::move(settings), io);
  }

 private:
  std::shared_ptr<Contexts> contexts_;
};

}  // namespace

std::unique_ptr<CheckFactory> makeTlsCheckFactory(TlsOptions options) {
  return std::make_unique<TlsCheckFactory>(std::move(options));
}

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& /*context*/) {
  return makeTlsCheckFactory();
}

}  // namespace ninevolt::checks::tls

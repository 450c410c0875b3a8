#include "checks/http/http_check.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/post.hpp>
#include <curl/curl.h>
#include <strings.h>

#include "checks/http/curl_multi_service.h"
#include "checks/http/http_run.h"
#include "checks/http/http_target.h"
#include "checks/http/http_verdict.h"
#include "checks/http/plain_client.h"
#include "common/duration.h"

namespace ninevolt::checks::http {

namespace asio = boost::asio;

namespace {

constexpr long kMaxRedirects = 10;

// curl sends http:// requests through the proxy these name (it ignores upper-case
// HTTP_PROXY, for CGI's sake); the plain client knows no proxies, so with one set every
// run goes through curl.
bool proxyInEnvironment() {
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') {
      return true;
    }
  }
  return false;
}

class HttpCheck final : public Check {
 public:
  HttpCheck(const config::MonitorSpec& spec, asio::io_context& io,
            std::shared_ptr<const HttpOptions> options)
      : target_(spec), options_(std::move(options)), io_(io) {
    plain_ = options_->plain_client && target_.plainEligible();
  }

  ~HttpCheck() override { cancel(); }
  HttpCheck(const HttpCheck&) = delete;
  HttpCheck& operator=(const HttpCheck&) = delete;

  void start(DoneFn done) override;
  void cancel() override {
    run_.reset();
    if (exchange_) {
      exchange_->cancel();
      exchange_.reset();
    }
  }

 private:
  void startPlain(DoneFn done);
  void finishPlain(PlainExchange::Result result, const DoneFn& done);
  // One curl transfer of url; a hand-off from the plain client gives its own URL, the
  // redirects left and the time left.
  void startCurl(DoneFn done, const std::string& url, long max_redirects, Nanos timeout);
  CURLcode configure(Run& run, const std::string& url, long max_redirects, Nanos timeout);
  void finishCurl(CURLcode rc);
  void failLater(const std::shared_ptr<Run>& run, CheckResult result);
  Outcome outcomeOf(Run& run, CURLcode rc) const;
  // The check's verdict on what either client saw; certificate expiry only with curl (TLS).
  CheckResult verdict(const Outcome& o, Run* curl_run) const;
  std::optional<CheckResult> certExpiry(Run& run) const;
  // Only valid once a curl run has seen that the library is loaded.
  const CurlLibrary& curl() const { return *multi_->curl(); }
  // "GET http://host:port/path: ", the prefix of every message (built per message rather
  // than kept: a message is built once per run anyway).
  std::string label() const { return target_.method + " " + target_.url + ": "; }

  HttpTarget target_;
  std::shared_ptr<const HttpOptions> options_;  // the factory's, shared by all its checks
  asio::io_context& io_;
  // The loop's curl multi, looked up by the first curl run: a member whose http checks all
  // go through the plain client never loads libcurl.
  CurlMultiService* multi_ = nullptr;
  std::shared_ptr<Run> run_;
  std::shared_ptr<PlainExchange> exchange_;
  // Runs go through the plain client (plain_client.h). Cleared for good when a redirect
  // took a run where only curl can follow, so the hand-off (one request made twice) happens
  // once per check, not once per run.
  bool plain_ = false;
};

void HttpCheck::start(DoneFn done) {
  cancel();  // the engine never overlaps runs; if it did, the old one is dropped
  if (plain_) {
    startPlain(std::move(done));
  } else {
    startCurl(std::move(done), target_.url, kMaxRedirects, target_.timeout);
  }
}

void HttpCheck::startPlain(DoneFn done) {
  // The exchange never calls back from inside start(), and not after cancel().
  exchange_ =
      PlainExchange::start(io_, target_, options_->user_agent,
                           [this, done = std::move(done)](PlainExchange::Result result) mutable {
                             auto keep = std::move(exchange_);  // alive until this callback returns
                             finishPlain(std::move(result), done);
                           });
}

void HttpCheck::finishPlain(PlainExchange::Result result, const DoneFn& done) {
  if (result.handoff) {
    plain_ = false;
    const Nanos left = target_.timeout - std::chrono::microseconds(result.outcome.timings.total_us);
    startCurl(done, *result.handoff, result.redirects_left,
              std::max<Nanos>(left, std::chrono::milliseconds(1)));
    return;
  }
  CheckResult verdict_now;
  try {
    verdict_now = verdict(result.outcome, nullptr);
  } catch (const std::exception& e) {
    verdict_now = CheckResult::unknown(label() + e.what());
  }
  // Last: done may start the next run or destroy this check.
  done(std::move(verdict_now));
}

void HttpCheck::startCurl(DoneFn done, const std::string& url, long max_redirects, Nanos timeout) {
  if (multi_ == nullptr) {
    multi_ = &asio::use_service<CurlMultiService>(io_);
  }
  auto run = std::make_shared<Run>();
  run->multi = multi_;
  run->done = std::move(done);
  run->max_body = target_.max_body;
  if (multi_->curl() == nullptr) {
    failLater(run, CheckResult::unknown(label() + multi_->loadError()));
    return;
  }
  run->easy = multi_->acquireEasy();
  if (run->easy == nullptr) {
    failLater(run, CheckResult::unknown(label() + "cannot create a curl handle"));
    return;
  }
  if (CURLcode rc = configure(*run, url, max_redirects, timeout); rc != CURLE_OK) {
    failLater(run, CheckResult::unknown(label() + "setting up curl: " + curl().easy_strerror(rc)));
    return;
  }
  if (CURLMcode rc = multi_->add(run->easy, [this](CURLcode result) { finishCurl(result); });
      rc != CURLM_OK) {
    failLater(
        run, CheckResult::unknown(label() + "starting the transfer: " + curl().multi_strerror(rc)));
    return;
  }
  run->added = true;
  run_ = std::move(run);
}

CURLcode HttpCheck::configure(Run& run, const std::string& url, long max_redirects, Nanos timeout) {
  CURL* e = run.easy;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) {
      rc = curl().easy_setopt(e, option, value);
    }
  };
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PATH_AS_IS, 1L);  // keep "../" and "//" as written
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_FRESH_CONNECT, 1L);  // each run measures a real connect, as a user would see
  set(CURLOPT_FORBID_REUSE, 1L);
  set(CURLOPT_TIMEOUT_MS,
      std::max<long>(1,
                     static_cast<long>(
                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())));
  set(CURLOPT_ERRORBUFFER, run.errbuf.data());
  set(CURLOPT_USERAGENT, options_->user_agent.c_str());
  set(CURLOPT_HEADERFUNCTION, &onHeader);
  set(CURLOPT_HEADERDATA, &run);
  set(CURLOPT_WRITEFUNCTION, &onBody);
  set(CURLOPT_WRITEDATA, &run);
  set(CURLOPT_FOLLOWLOCATION, target_.follow_redirects ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, max_redirects);
  const std::string& method = target_.method;
  const bool has_body = !target_.request_body.empty();
  if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    if (has_body || method == "POST" || method == "PUT" || method == "PATCH") {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(target_.request_body.size()));
      set(CURLOPT_COPYPOSTFIELDS, target_.request_body.c_str());
    }
    if (method != "POST" && (method != "GET" || has_body)) {
      set(CURLOPT_CUSTOMREQUEST, method.c_str());
    }
  }

  // No "Expect: 100-continue" round trip unless the user asks for one.
  bool user_expect = false;
  for (const auto& [name, value] : target_.headers) {
    user_expect = user_expect || strcasecmp(name.c_str(), "Expect") == 0;
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    run.headers = curl().slist_append(run.headers, line.c_str());
  }
  if (!user_expect) {
    run.headers = curl().slist_append(run.headers, "Expect:");
  }
  set(CURLOPT_HTTPHEADER, run.headers);

  if (target_.ssl) {
    // A pooled handle keeps the TLS sessions of its earlier transfers (curl_easy_reset does
    // not clear them): never resume one, so every run makes and times a full handshake and
    // sees the certificate, as a new client would.
    set(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    set(CURLOPT_SSL_VERIFYPEER, target_.tls_verify ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, target_.tls_verify ? 2L : 0L);
    if (!options_->ca_file.empty()) {
      set(CURLOPT_CAINFO, options_->ca_file.c_str());
    }
    if (target_.cert_expiry_warning) {
      set(CURLOPT_CERTINFO, 1L);
    }
    // Only for the phase timings: a curl without the OpenSSL backend refuses, which is fine.
    curl().easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &onSslContext);
    curl().easy_setopt(e, CURLOPT_SSL_CTX_DATA, &run);
  }
  return rc;
}

void HttpCheck::failLater(const std::shared_ptr<Run>& run, CheckResult result) {
  run_ = run;
  // Never call done from inside start(). The weak pointer makes cancel() (or destruction)
  // before the post runs drop the result.
  asio::post(io_, [this, weak = std::weak_ptr<Run>(run), result = std::move(result)]() mutable {
    auto current = weak.lock();
    if (!current || current != run_) {
      return;
    }
    DoneFn done = std::move(current->done);
    run_.reset();
    current.reset();
    done(std::move(result));
  });
}

void HttpCheck::finishCurl(CURLcode rc) {
  std::shared_ptr<Run> run = run_;
  if (!run) {
    return;
  }
  run->added = false;  // the service already took it out of the multi
  CheckResult result;
  try {
    if (!run->callback_error.empty()) {
      result = CheckResult::unknown(label() + run->callback_error);
    } else {
      result = verdict(outcomeOf(*run, rc), run.get());
    }
  } catch (const std::exception& e) {
    result = CheckResult::unknown(label() + e.what());
  }
  DoneFn done = std::move(run->done);
  run_.reset();
  run.reset();
  // Last: done may start the next run or destroy this check.
  done(std::move(result));
}

Outcome HttpCheck::outcomeOf(Run& run, CURLcode rc) const {
  CURL* e = run.easy;
  Outcome o;
  o.rc = rc;
  Timings& t = o.timings;
  curl().easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &t.namelookup_us);
  curl().easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t.connect_us);
  curl().easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &t.appconnect_us);
  curl().easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t.starttransfer_us);
  curl().easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t.total_us);
  if (run.tls_started) {
    // curl's times count from its start; ours is placed on that scale through the end,
    // which both clocks saw a moment ago.
    const auto ago = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - *run.tls_started);
    t.tls_start_us = std::max<int64_t>(1, t.total_us - ago.count());
  }
  curl().easy_getinfo(e, CURLINFO_RESPONSE_CODE, &o.status);
  curl().easy_getinfo(e, CURLINFO_OS_ERRNO, &o.os_errno);
  o.detail = run.errbuf[0] != '\0' ? run.errbuf.data() : curl().easy_strerror(rc);
  o.body = std::move(run.body);
  o.capped = run.capped;
  o.progress = Progress{target_.ssl, target_.host_is_name, run.tls_started.has_value(),
                        run.got_bytes, run.headers_done};
  return o;
}

CheckResult HttpCheck::verdict(const Outcome& o, Run* curl_run) const {
  CheckResult result;
  if (o.rc == CURLE_OK || (o.rc == CURLE_WRITE_ERROR && o.capped)) {
    if (o.status != target_.status_code) {
      result = CheckResult::critical(label() + "status " + std::to_string(o.status) + ", want "
                                         + std::to_string(target_.status_code),
                                     Failure::kStatusCode);
    } else if (!target_.expect.empty() && o.body.find(target_.expect) == std::string::npos) {
      std::string where = o.capped ? "in the first " + std::to_string(target_.max_body)
                                         + " bytes of the body (max-body; the rest was not read)"
                                   : "in the body (" + std::to_string(o.body.size()) + " bytes)";
      result = CheckResult::critical(
          label() + "expected \"" + target_.expect + "\" not found " + where, Failure::kExpect);
    } else if (auto warning = curl_run != nullptr ? certExpiry(*curl_run) : std::nullopt) {
      result = std::move(*warning);
    } else {
      result = CheckResult::ok(label() + "status " + std::to_string(o.status) + ", "
                               + std::to_string(o.body.size()) + (o.capped ? "+ bytes" : " bytes"));
    }
    result.values["body_bytes"] = static_cast<double>(o.body.size());
  } else if (o.rc == CURLE_OPERATION_TIMEDOUT) {
    result =
        CheckResult::critical(label() + "timed out after " + common::formatDuration(target_.timeout)
                                  + " " + timeoutPhase(o.timings, o.progress),
                              Failure::kTimeout);
  } else {
    result = describeFailure(o.rc, o.os_errno, o.detail);
    result.message = label() + result.message;
  }
  result.phases = phasesOf(o.timings, target_.ssl);
  if (o.status > 0) {
    result.values["status_code"] = static_cast<double>(o.status);
  }
  return result;
}

std::optional<CheckResult> HttpCheck::certExpiry(Run& run) const {
  if (!target_.ssl || !target_.cert_expiry_warning) {
    return std::nullopt;
  }
  curl_certinfo* info = nullptr;
  if (curl().easy_getinfo(run.easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr
      || info->num_of_certs < 1) {
    return CheckResult::unknown(label() + "cert-expiry-warning: the server sent no certificate");
  }
  constexpr std::string_view kKey = "Expire date:";
  std::optional<common::SystemTime> expires;
  for (curl_slist* item = info->certinfo[0]; item != nullptr; item = item->next) {
    std::string_view entry(item->data);
    if (entry.substr(0, kKey.size()) == kKey) {
      expires = parseCertDate(entry.substr(kKey.size()));
    }
  }
  if (!expires) {
    return CheckResult::unknown(label() + "cannot read the certificate's expiry date");
  }
  const auto left = *expires - std::chrono::system_clock::now();
  if (left >= *target_.cert_expiry_warning) {
    return std::nullopt;
  }
  const std::string date = common::formatRfc3339(*expires);
  std::string message =
      left <= Nanos(0)
          ? "certificate expired on " + date
          : "certificate expires on " + date + " (in "
                + common::formatDuration(std::chrono::duration_cast<std::chrono::seconds>(left))
                + ", cert-expiry-warning " + common::formatDuration(*target_.cert_expiry_warning)
                + ")";
  auto result = CheckResult::warning(label() + message, Failure::kCertExpiry);
  result.values["cert_expires_in_s"] =
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(left).count());
  return result;
}

class HttpCheckFactory final : public CheckFactory {
 public:
  explicit HttpCheckFactory(HttpOptions options) {
    if (proxyInEnvironment()) {
      options.plain_client = false;
    }
    options_ = std::make_shared<const HttpOptions>(std::move(options));
  }
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return std::make_unique<HttpCheck>(*spec, io, options_);
  }

 private:
  std::shared_ptr<const HttpOptions> options_;
};

}  // namespace

std::unique_ptr<CheckFactory> makeHttpCheckFactory(HttpOptions options) {
  // libcurl is not loaded here but by the first check (CurlMultiService, curlLibrary()): a
  // process without http checks never maps it.
  return std::make_unique<HttpCheckFactory>(std::move(options));
}

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context) {
  HttpOptions options;
  options.user_agent = context.user_agent;
  return makeHttpCheckFactory(std::move(options));
}

}  // namespace ninevolt::checks::http

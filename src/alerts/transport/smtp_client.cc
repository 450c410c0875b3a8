#include "alerts/transport/smtp_client.h"

#include <algorithm>

#include <fmt/format.h>

#include "alerts/transport/curl_easy.h"
#include "alerts/transport/http_client.h"

namespace ninevolt::alerts::transport {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t onRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::copy_n(upload->data->data() + upload->offset, n, buffer);
  upload->offset += n;
  return n;
}

}  // namespace

Result<void> sendMail(const MailRequest& request, std::chrono::milliseconds timeout) {
  const bool implicit = request.tls == SmtpTls::kImplicit;
  const std::string url = (implicit ? "smtps://" : "smtp://") + request.host_port;
  auto loaded = detail::curl();
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  const detail::CurlLibrary& lib = **loaded;
  detail::ErrorBuffer error_buffer{};
  detail::EasyHandle h = detail::newEasy(lib, timeout, "smtp,smtps", error_buffer);
  if (!h) {
    return fail(Errc::kInternal, originOf(url) + ": curl_easy_init failed");
  }
  CURL* c = h.get();
  lib.easy_setopt(c, CURLOPT_URL, url.c_str());
  switch (request.tls) {
    case SmtpTls::kNone:
      lib.easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
      break;
    case SmtpTls::kStartTlsTry:
      lib.easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      break;
    case SmtpTls::kStartTls:
    case SmtpTls::kImplicit:
      lib.easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      break;
  }
  if (!request.ca_file.empty()) {
    lib.easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  }
  lib.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, request.tls_verify ? 1L : 0L);
  lib.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, request.tls_verify ? 2L : 0L);
  std::string login_options;
  if (!request.username.empty()) {
    lib.easy_setopt(c, CURLOPT_USERNAME, request.username.c_str());
    lib.easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
    if (!request.mechanism.empty()) {
      login_options = "AUTH=" + request.mechanism;
      lib.easy_setopt(c, CURLOPT_LOGIN_OPTIONS, login_options.c_str());
    }
  }
  const std::string from = "<" + request.mail_from + ">";
  lib.easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  detail::Slist recipients(lib);
  for (const auto& r : request.recipients) {
    recipients.append("<" + r + ">");
  }
  lib.easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  Upload upload{&request.message};
  lib.easy_setopt(c, CURLOPT_UPLOAD, 1L);
  lib.easy_setopt(c, CURLOPT_READFUNCTION, onRead);
  lib.easy_setopt(c, CURLOPT_READDATA, &upload);
  lib.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.message.size()));

  CURLcode code = lib.easy_perform(c);
  if (code == CURLE_OK) {
    return {};
  }
  long reply = 0;
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  const std::string origin = originOf(url);
  const std::string what = error_buffer[0] != '\0' ? error_buffer.data() : lib.easy_strerror(code);
  switch (code) {
    case CURLE_LOGIN_DENIED:
      return fail(Errc::kInvalidArgument,
                  fmt::format("{}: authentication refused (reply {}): {}", origin, reply, what));
    case CURLE_USE_SSL_FAILED:
      return fail(Errc::kInvalidArgument,
                  fmt::format("{}: the server does not offer STARTTLS, which is required when "
                              "credentials are set: {}",
                              origin, what));
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_URL_MALFORMAT:
      break;
    default:
      // MAIL, RCPT and DATA refusals arrive as send/receive errors; the reply code says
      // whether the server means it (5xx) or asks to come back later (4xx).
      if (reply >= 500 && reply < 600) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("{}: refused with reply {}: {}", origin, reply, what));
      }
      if (reply >= 400 && reply < 500) {
        return fail(Errc::kUnavailable,
                    fmt::format("{}: temporarily refused with reply {}: {}", origin, reply, what));
      }
  }
  return tl::unexpected(detail::transportError(lib, code, error_buffer, origin, timeout));
}

}  // namespace ninevolt::alerts::transport

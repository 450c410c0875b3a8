#include "alerts/webhook/webhook_alerter.h"

#include <array>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include "alerts/transport/notification_format.h"
#include "alerts/transport/outcome.h"
#include "alerts/transport/scrubber.h"
#include "config/alerter_options.h"

namespace ninevolt::alerts::webhook {
namespace {

using transport::ClientOptions;

class WebhookAlerter final : public Alerter {
 public:
  WebhookAlerter(const config::AlerterSpec& spec, std::vector<std::string> headers,
                 const ClientOptions& client)
      : name_(spec.name),
        url_(spec.options.at("url")),
        method_(spec.options.count("method") != 0 ? spec.options.at("method") : "POST"),
        secret_(spec.options.count("secret") != 0 ? spec.options.at("secret") : ""),
        headers_(std::move(headers)),
        user_agent_(client.user_agent),
        scrubber_(spec) {}

  Result<void> deliver(const Notification& n, std::chrono::milliseconds timeout) const override {
    transport::HttpRequest request{.method = method_,
                                   .url = url_,
                                   .headers = {"Content-Type: application/json"},
                                   .body = webhookBody(n, name_),
                                   .user_agent = user_agent_};
    // Configured headers come after ours: curl sends the last of a name, so a user's
    // Content-Type wins.
    request.headers.insert(request.headers.end(), headers_.begin(), headers_.end());
    if (!secret_.empty()) {
      request.headers.push_back("X-9volt-Signature: " + webhookSignature(secret_, request.body));
    }
    auto started = std::chrono::steady_clock::now();
    auto response = transport::performHttp(request, timeout);
    if (!response) {
      return tl::unexpected(scrubber_.scrub(response.error()));
    }
    // Before anything is cut to an excerpt: a cut secret would no longer match.
    response->body = scrubber_.scrub(std::move(response->body));
    const std::string origin = transport::originOf(url_);
    if (auto judged = transport::judgeHttpStatus(*response, origin); !judged) {
      return scrubber_.result(judged);
    }
    spdlog::debug("webhook '{}': {} {} of {} delivered to {} (HTTP {}, {} ms)", name_, method_,
                  notificationKindName(n.kind), n.check, origin, response->status,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    return {};
  }

 private:
  std::string name_;
  std::string url_;
  std::string method_;
  std::string secret_;
  std::vector<std::string> headers_;  // "Name: value"
  std::string user_agent_;
  transport::Scrubber scrubber_;
};

class WebhookFactory final : public AlerterFactory {
 public:
  explicit WebhookFactory(ClientOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const override {
    if (spec.options.count("url") == 0) {
      return fail(Errc::kInvalidArgument, fmt::format("alerter '{}': no url", spec.name));
    }
    std::vector<std::string> headers;
    if (auto it = spec.options.find("headers"); it != spec.options.end()) {
      auto parsed = config::parseHeaderLines(it->second);
      if (!parsed) {
        return fail(Errc::kInvalidArgument, fmt::format("alerter '{}': options.headers: {}",
                                                        spec.name, parsed.error().message));
      }
      for (const auto& [name, value] : *parsed) {
        headers.push_back(fmt::format("{}: {}", name, value));
      }
    }
    return std::make_unique<WebhookAlerter>(spec, std::move(headers), options_);
  }

 private:
  ClientOptions options_;
};

}  // namespace

std::unique_ptr<AlerterFactory> makeWebhookAlerterFactory(ClientOptions options) {
  return std::make_unique<WebhookFactory>(std::move(options));
}

std::string webhookBody(const Notification& n, std::string_view alerter_name) {
  nlohmann::json body = transport::notificationJson(n);
  body["alerter"] = alerter_name;
  return transport::dumpJson(body);
}

std::string webhookSignature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &length);
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += fmt::format("{:02x}", mac[i]);
  }
  return out;
}

}  // namespace ninevolt::alerts::webhook

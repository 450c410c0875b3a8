#include "alerts/slack/slack_alerter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/slack/slack_message.h"
#include "alerts/transport/notification_format.h"
#include "alerts/transport/scrubber.h"

namespace ninevolt::alerts::slack {
namespace {

using transport::ClientOptions;

std::string option(const config::AlerterSpec& spec, const char* name,
                   const std::string& fallback = "") {
  auto it = spec.options.find(name);
  return it == spec.options.end() ? fallback : it->second;
}

class SlackAlerter final : public Alerter {
 public:
  SlackAlerter(const config::AlerterSpec& spec, const ClientOptions& client)
      : name_(spec.name),
        token_(option(spec, "token")),
        user_agent_(client.user_agent),
        scrubber_(spec) {
    const std::string webhook = option(spec, "webhook-url");
    if (webhook.empty()) {
      std::string base = option(spec, "api-url", "https://slack.com/api");
      while (!base.empty() && base.back() == '/') {
        base.pop_back();
      }
      url_ = base + "/chat.postMessage";
      message_options_.channel = option(spec, "channel");
    } else {
      url_ = webhook;
    }
    message_options_.username = option(spec, "username", "9volt-bot");
    message_options_.icon_url = option(spec, "icon-url");
  }

  Result<void> deliver(const Notification& n, std::chrono::milliseconds timeout) const override {
    transport::HttpRequest request{.method = "POST",
                                   .url = url_,
                                   // Slack warns (missing_charset) about JSON without a charset.
                                   .headers = {"Content-Type: application/json; charset=utf-8"},
                                   .body = transport::dumpJson(slackMessage(n, message_options_)),
                                   .user_agent = user_agent_};
    if (!token_.empty()) {
      request.headers.push_back("Authorization: Bearer " + token_);
    }
    auto started = std::chrono::steady_clock::now();
    auto response = transport::performHttp(request, timeout);
    if (!response) {
      return tl::unexpected(scrubber_.scrub(response.error()));
    }
    response->body = scrubber_.scrub(std::move(response->body));
    auto judged = token_.empty() ? judgeWebhookReply(*response) : judgeWebApiReply(*response);
    if (!judged) {
      return scrubber_.result(judged);
    }
    spdlog::debug("slack '{}': {} of {} posted{} (HTTP {}, {} ms)", name_,
                  notificationKindName(n.kind), n.check,
                  message_options_.channel.empty() ? " through the incoming webhook"
                                                   : " to " + message_options_.channel,
                  response->status,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    return {};
  }

 private:
  std::string name_;
  std::string url_;
  std::string token_;  // "" with an incoming webhook
  MessageOptions message_options_;
  std::string user_agent_;
  transport::Scrubber scrubber_;
};

class SlackFactory final : public AlerterFactory {
 public:
  explicit SlackFactory(ClientOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const override {
    const bool token = spec.options.count("token") != 0;
    const bool webhook = spec.options.count("webhook-url") != 0;
    if (token == webhook || (token && spec.options.count("channel") == 0)) {
      // parseAlerter rejects these; a spec made some other way gets a clear error too.
      return fail(
          Errc::kInvalidArgument,
          fmt::format("alerter '{}': slack needs token and channel, or webhook-url", spec.name));
    }
    return std::make_unique<SlackAlerter>(spec, options_);
  }

 private:
  ClientOptions options_;
};

}  // namespace

std::unique_ptr<AlerterFactory> makeSlackAlerterFactory(ClientOptions options) {
  return std::make_unique<SlackFactory>(std::move(options));
}

}  // namespace ninevolt::alerts::slack

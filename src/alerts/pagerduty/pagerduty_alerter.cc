#include "alerts/pagerduty/pagerduty_alerter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/pagerduty/pagerduty_event.h"
#include "alerts/transport/notification_format.h"
#include "alerts/transport/scrubber.h"

namespace ninevolt::alerts::pagerduty {
namespace {

class PagerDutyAlerter final : public Alerter {
 public:
  PagerDutyAlerter(const config::AlerterSpec& spec, std::string routing_key,
                   const PagerDutyOptions& options)
      : name_(spec.name),
        routing_key_(std::move(routing_key)),
        prefix_(options.dedup_prefix),
        user_agent_(options.client.user_agent),
        scrubber_(spec) {
    auto it = spec.options.find("api-url");
    std::string base = it == spec.options.end() ? "https://events.pagerduty.com" : it->second;
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    url_ = base + "/v2/enqueue";
  }

  Result<void> deliver(const Notification& n, std::chrono::milliseconds timeout) const override {
    const std::string key = dedupKey(prefix_, n.check);
    transport::HttpRequest request{
        .method = "POST",
        .url = url_,
        .headers = {"Content-Type: application/json"},
        .body = transport::dumpJson(pagerDutyEvent(n, routing_key_, key)),
        .user_agent = user_agent_};
    auto started = std::chrono::steady_clock::now();
    auto response = transport::performHttp(request, timeout);
    if (!response) {
      return tl::unexpected(scrubber_.scrub(response.error()));
    }
    response->body = scrubber_.scrub(std::move(response->body));
    if (auto judged = judgeEnqueueReply(*response); !judged) {
      return scrubber_.result(judged);
    }
    spdlog::debug("pagerduty '{}': {} of {} enqueued as {} (HTTP {}, {} ms)", name_,
                  notificationKindName(n.kind), n.check, key, response->status,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    return {};
  }

 private:
  std::string name_;
  std::string url_;
  std::string routing_key_;
  std::string prefix_;
  std::string user_agent_;
  transport::Scrubber scrubber_;
};

class PagerDutyFactory final : public AlerterFactory {
 public:
  explicit PagerDutyFactory(PagerDutyOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const override {
    // `token` is the original 9volt's name for the same integration key.
    auto it = spec.options.find("routing-key");
    if (it == spec.options.end()) {
      it = spec.options.find("token");
    }
    if (it == spec.options.end() || it->second.empty()) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("alerter '{}': pagerduty needs routing-key", spec.name));
    }
    return std::make_unique<PagerDutyAlerter>(spec, it->second, options_);
  }

 private:
  PagerDutyOptions options_;
};

}  // namespace

std::unique_ptr<AlerterFactory> makePagerDutyAlerterFactory(PagerDutyOptions options) {
  return std::make_unique<PagerDutyFactory>(std::move(options));
}

}  // namespace ninevolt::alerts::pagerduty

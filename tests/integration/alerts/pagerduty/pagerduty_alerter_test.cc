// The pagerduty alerter against a fake Events API v2 on loopback that validates events the
// way PagerDuty does (routing key, event_action, dedup_key, payload rules) and keeps the
// alerts they open and resolve, so a test sees trigger and resolve meet.
#include "alerts/pagerduty/pagerduty_alerter.h"

#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "receiver.h"

namespace ninevolt::alerts::pagerduty {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Receiver;
using testing::sampleNotification;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";         // a known integration
constexpr const char* kUnknownKey = "ffffffffffffffffffffffffffffffff";  // valid form, no service
constexpr const char* kThrottledKey = "77777777777777777777777777777777";
constexpr const char* kBrokenKey = "55555555555555555555555555555555";

Receiver::Reply invalid(const std::string& error) {
  return {.status = 400,
          .body = json{{"status", "invalid event"},
                       {"message", "Event object is invalid"},
                       {"errors", {error}}}
                      .dump()};
}

// The Events API v2 as 9volt uses it. Alerts are keyed by (routing key, dedup_key).
class FakePagerDuty {
 public:
  struct Alert {
    bool open = false;
    int triggers = 0;
    int resolves = 0;
    json last_payload;
  };

  Receiver::Reply handle(const Receiver::Request& r) {
    if (r.method != "POST" || r.target != "/v2/enqueue") {
      return {.status = 404, .body = "not found", .content_type = "text/plain"};
    }
    if (r.header("content-type").rfind("application/json", 0) != 0) {
      return invalid("Content-Type must be application/json");
    }
    json e = json::parse(r.body, nullptr, false);
    if (!e.is_object()) {
      return invalid("Event object is not valid JSON");
    }
    const std::string key = e.value("routing_key", "");
    if (key.size() != 32) {
      return invalid("Length of 'routing_key' is incorrect (should be 32 characters)");
    }
    if (key == kThrottledKey) {
      return {.status = 429,
              .body = R"({"status":"throttle event","message":"Requests for this service are )"
                      R"(arriving too quickly. Please retry later."})"};
    }
    if (key == kBrokenKey) {
      return {.status = 502, .body = "bad gateway", .content_type = "text/plain"};
    }
    if (key == kUnknownKey) {
      return invalid("Invalid routing key " + key);  // quotes the key back
    }
    const std::string action = e.value("event_action", "");
    const std::string dedup = e.value("dedup_key", "");
    if (dedup.size() > 255) {
      return invalid("'dedup_key' is too long");
    }
    if (action == "trigger") {
      const json& p = e.value("payload", json());
      static const std::set<std::string> kSeverities{"critical", "error", "warning", "info"};
      if (!p.is_object() || !p.contains("summary") || !p["summary"].is_string()
          || p["summary"].get<std::string>().empty()) {
        return invalid("'payload.summary' is missing or blank");
      }
      if (p["summary"].get<std::string>().size() > 1024) {
        return invalid("'payload.summary' is too long");
      }
      if (p.value("source", "").empty()) {
        return invalid("'payload.source' is missing or blank");
      }
      if (kSeverities.count(p.value("severity", "")) == 0) {
        return invalid("'payload.severity' is invalid");
      }
    } else if (action == "resolve" || action == "acknowledge") {
      if (dedup.empty()) {
        return invalid("'dedup_key' is required for " + action);
      }
    } else {
      return invalid("'event_action' is invalid");
    }
    std::lock_guard lock(mu_);
    Alert& alert = alerts_[dedup];
    if (action == "trigger") {
      alert.open = true;
      ++alert.triggers;
      alert.last_payload = e["payload"];
    } else if (action == "resolve") {
      alert.open = false;
      ++alert.resolves;
    }
    return {
        .status = 202,
        .body = json{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", dedup}}
                    .dump()};
  }

  std::map<std::string, Alert> alerts() {
    std::lock_guard lock(mu_);
    return alerts_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Alert> alerts_;
};

class PagerDutyAlerterTest : public ::testing::Test {
 protected:
  std::string yaml(const std::string& key_option = std::string("routing-key: ") + kKey) {
    return "type: pagerduty\noptions:\n  " + key_option + "\n  api-url: " + receiver_.url() + "\n";
  }

  FakePagerDuty pagerduty_;
  Receiver receiver_{[this](const Receiver::Request& r) { return pagerduty_.handle(r); }};
  std::unique_ptr<AlerterFactory> factory_ = makePagerDutyAlerterFactory();
};

TEST_F(PagerDutyAlerterTest, TriggerAndResolveMeetOnTheDedupKey) {
  auto alerter = testing::makeAlerter(*factory_, yaml());
  ASSERT_TRUE(alerter);
  const Notification n = sampleNotification(NotificationKind::kCritical);
  auto r = alerter->deliver(n, 5s);
  ASSERT_TRUE(r) << r.error().message;

  auto alerts = pagerduty_.alerts();
  ASSERT_EQ(alerts.count("9volt/web"), 1u);
  EXPECT_TRUE(alerts["9volt/web"].open);
  const json& p = alerts["9volt/web"].last_payload;
  EXPECT_EQ(p["severity"], "critical");
  EXPECT_EQ(p["summary"],
            "HTTP check 'web' failure: Check has entered into critical state after 3 checks \u2014 "
                + n.error);
  EXPECT_EQ(p["source"], n.target);
  EXPECT_EQ(p["component"], "web");
  EXPECT_EQ(p["class"], "http");
  EXPECT_EQ(p["timestamp"], "2026-11-18T11:06:40Z");
  const json& d = p["custom_details"];
  EXPECT_EQ(d["transition_id"], "web/7");
  EXPECT_EQ(d["description"], n.description);
  EXPECT_EQ(d["error"], n.error);
  EXPECT_EQ(d["count"], 3);
  EXPECT_EQ(d["member_id"], "3f1c9a2b");
  EXPECT_EQ(d["failing_since"], "2026-11-18T11:05:40Z");
  EXPECT_EQ(d["link"], n.link);

  r = alerter->deliver(sampleNotification(NotificationKind::kResolve), 5s);
  ASSERT_TRUE(r) << r.error().message;
  alerts = pagerduty_.alerts();
  ASSERT_EQ(alerts.size(), 1u);  // the resolve closed the same alert
  EXPECT_FALSE(alerts["9volt/web"].open);
  EXPECT_EQ(alerts["9volt/web"].triggers, 1);
  EXPECT_EQ(alerts["9volt/web"].resolves, 1);

  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2u);
  json trigger = json::parse(requests[0].body);
  json resolve = json::parse(requests[1].body);
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["routing_key"], kKey);
  EXPECT_EQ(trigger["client"], "9volt");
  EXPECT_EQ(trigger["client_url"], n.link);
  EXPECT_EQ(resolve,
            (json{{"routing_key", kKey}, {"event_action", "resolve"}, {"dedup_key", "9volt/web"}}));
}

// An alert storm's digests (alerts/storm.h) to one alerter: one PagerDuty alert per storm,
// updated by its later digests, resolved by the one that says every check recovered.
TEST_F(PagerDutyAlerterTest, AStormsDigestsMeetOnOneDedupKeyAndTheLastResolvesIt) {
  auto alerter = testing::makeAlerter(*factory_, yaml());
  ASSERT_TRUE(alerter);
  auto digest = [](int n, const std::string& status, int64_t still_failing) {
    Notification d = sampleNotification(NotificationKind::kDigest);
    d.check = "storm/pager/1796562628098";
    d.transition_id = d.check + "/" + std::to_string(n);
    d.check_type = "storm";
    d.status = status;
    d.title = "Alert storm: " + std::to_string(still_failing) + " checks failing";
    d.storm = StormDigest{.alerter = "pager",
                          .storm = 1796562628098,
                          .n = n,
                          .critical = n == 1 ? 180 : 0,
                          .recovered = n == 1 ? 0 : 90,
                          .still_failing = still_failing,
                          .threshold = 20,
                          .window = std::chrono::seconds(60)};
    return d;
  };
  ASSERT_TRUE(alerter->deliver(digest(1, "critical", 180), 5s));
  ASSERT_TRUE(alerter->deliver(digest(2, "critical", 90), 5s));
  const std::string key = "9volt/storm/pager/1796562628098";
  auto alerts = pagerduty_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_TRUE(alerts[key].open);
  EXPECT_EQ(alerts[key].triggers, 2);
  EXPECT_EQ(alerts[key].last_payload["severity"], "critical");
  EXPECT_EQ(alerts[key].last_payload["custom_details"]["storm"]["still_failing"], 90);
  EXPECT_EQ(alerts[key].last_payload["custom_details"]["kind"], "digest");
  ASSERT_TRUE(alerter->deliver(digest(3, "ok", 0), 5s));
  alerts = pagerduty_.alerts();
  EXPECT_FALSE(alerts[key].open);
  EXPECT_EQ(alerts[key].resolves, 1);
}

TEST_F(PagerDutyAlerterTest, WarningSeverityAndTheOriginalTokenOption) {
  auto alerter = testing::makeAlerter(*factory_, yaml(std::string("token: ") + kKey));
  ASSERT_TRUE(alerter);
  ASSERT_TRUE(alerter->deliver(sampleNotification(NotificationKind::kWarning), 5s));
  auto alerts = pagerduty_.alerts();
  ASSERT_EQ(alerts.count("9volt/web"), 1u);
  EXPECT_EQ(alerts["9volt/web"].last_payload["severity"], "warning");
}

TEST_F(PagerDutyAlerterTest, PrefixSeparatesClusters) {
  auto prod = makePagerDutyAlerterFactory({.dedup_prefix = "/prod-9volt/"});
  auto alerter = testing::makeAlerter(*prod, yaml());
  ASSERT_TRUE(alerter);
  ASSERT_TRUE(alerter->deliver(sampleNotification(), 5s));
  EXPECT_EQ(pagerduty_.alerts().count("prod-9volt/web"), 1u);
}

TEST_F(PagerDutyAlerterTest, LongErrorsStayWithinTheSummaryLimit) {
  auto alerter = testing::makeAlerter(*factory_, yaml());
  Notification n = sampleNotification();
  n.error = std::string(5000, 'x');  // e.g. a plugin's whole output
  auto r = alerter->deliver(n, 5s);
  ASSERT_TRUE(r) << r.error().message;
  auto payload = pagerduty_.alerts()["9volt/web"].last_payload;
  EXPECT_LE(payload["summary"].get<std::string>().size(), 1024u);
  EXPECT_EQ(payload["custom_details"]["error"], n.error);  // the details keep all of it
}

TEST_F(PagerDutyAlerterTest, StatusesDecideRetry) {
  struct Case {
    const char* key;
    Errc code;
    std::string says;
  };
  for (const Case& c : {Case{"short-key-123", Errc::kInvalidArgument, "HTTP 400"},
                        Case{kUnknownKey, Errc::kInvalidArgument, "Invalid routing key"},
                        Case{kThrottledKey, Errc::kUnavailable, "HTTP 429"},
                        Case{kBrokenKey, Errc::kUnavailable, "HTTP 502"}}) {
    SCOPED_TRACE(c.key);
    auto alerter = testing::makeAlerter(*factory_, yaml(std::string("routing-key: ") + c.key));
    ASSERT_TRUE(alerter);
    auto r = alerter->deliver(sampleNotification(), 5s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_THAT(r.error().message, HasSubstr(c.says));
  }
  EXPECT_TRUE(pagerduty_.alerts().empty());
}

TEST_F(PagerDutyAlerterTest, PagerDutyThatNeverAnswersHitsTheDeadline) {
  Receiver silent([](const Receiver::Request&) { return Receiver::Reply{.hang = true}; });
  auto alerter =
      testing::makeAlerter(*factory_, std::string("type: pagerduty\noptions: {routing-key: ") + kKey
                                          + ", api-url: \"" + silent.url() + "\"}\n");
  ASSERT_TRUE(alerter);
  auto started = std::chrono::steady_clock::now();
  auto r = alerter->deliver(sampleNotification(), 400ms);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDeadlineExceeded);
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2s);
}

TEST_F(PagerDutyAlerterTest, RoutingKeyNeverInErrorsOrLogs) {
  testing::LogCapture logs;
  auto unknown = testing::makeAlerter(*factory_, yaml(std::string("routing-key: ") + kUnknownKey));
  auto r = unknown->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("Invalid routing key <redacted>"));
  auto known = testing::makeAlerter(*factory_, yaml());
  ASSERT_TRUE(known->deliver(sampleNotification(), 5s));
  EXPECT_THAT(logs.text(), HasSubstr("enqueued as 9volt/web"));
  for (const std::string& text : {r.error().message, logs.text()}) {
    EXPECT_THAT(text, Not(HasSubstr(kUnknownKey)));
    EXPECT_THAT(text, Not(HasSubstr(kKey)));
  }
}

}  // namespace
}  // namespace ninevolt::alerts::pagerduty

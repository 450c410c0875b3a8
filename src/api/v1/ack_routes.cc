// /api/v1/ack/{check}: acknowledge a check's open incident (docs/api.md "Acknowledgements").
// The ack is written into the incident (compare-and-swap) before the answer, with a doorbell
// the check's owner watches: it announces the ack (kind ack) and stops reminders and
// escalation. An alert's signed ack link (alerts/ack_link.h) does the same without an API
// token; its GET only shows a page with a button, because chat apps and mail scanners fetch
// links to preview them, and a preview must not acknowledge anything.

#include <algorithm>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "alerts/ack_link.h"
#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/spec.h"
#include "store/event.h"
#include "store/incident_store.h"

namespace ninevolt::api::v1 {
namespace {

constexpr const char* kFields[] = {"comment", "created-by", "expires", "duration"};
constexpr size_t kMaxCommentBytes = 1024;
constexpr auto kMaxAckLength = std::chrono::hours(24 * 31);

// The cluster's ack link key, read (or made) on first use and kept.
class LinkKey {
 public:
  explicit LinkKey(std::shared_ptr<store::Store> store) : store_(std::move(store)) {}
  Result<const alerts::AckLinks*> get() {
    std::lock_guard lock(mu_);
    if (!links_) {
      auto links = alerts::AckLinks::ofCluster(*store_);
      if (!links) {
        return tl::unexpected(links.error());
      }
      links_ = std::move(*links);
    }
    return links_.get();
  }

 private:
  std::shared_ptr<store::Store> store_;
  std::mutex mu_;
  std::unique_ptr<alerts::AckLinks> links_;
};

void problem(config::Problems& out, const std::string& field, std::string message) {
  out.push_back({"", "ack", field, std::move(message)});
}

// Escaped for HTML; text from a request is made printable first, cut at `max` bytes.
std::string html(std::string_view text, size_t max = 300) {
  std::string out;
  for (char c : common::printable(text, max)) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Response page(int status, const std::string& title, const std::string& body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">"
      "<title>{0}</title></head><body style=\"font-family:sans-serif;max-width:30em;"
      "margin:2em auto;padding:0 1em\"><h1>{0}</h1>{1}</body></html>",
      html(title), body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");  // the token is in the URL
  return r;
}

bool wantsHtml(const Request& r) {
  const std::string* accept = r.header("accept");
  return accept != nullptr && accept->find("text/html") != std::string::npos;
}

// The ack a POST body asks for (an empty body: no comment, no end).
Result<store::Ack> ackFromBody(const std::string& text, common::SystemTime now,
                               config::Problems& problems) {
  store::Ack ack;
  if (text.empty()) {
    return ack;
  }
  auto body = common::parseJson(text);
  if (!body || !body->is_object()) {
    problem(problems, "",
            "expected a JSON object like {\"comment\":\"on it\",\"duration\":\"2h\"}");
    return fail(Errc::kInvalidArgument, "invalid ack");
  }
  for (const auto& [key, value] : body->items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      problem(problems, common::printable(key, 60),
              fmt::format("unknown field; an ack has {}", fmt::join(kFields, ", ")));
    }
  }
  auto text_field = [&](const char* field, std::string& out) {
    const auto* v = common::findField(*body, field);
    if (v == nullptr || v->is_null()) {
      return;
    }
    if (!v->is_string()) {
      problem(problems, field, fmt::format("expected a string, got {}", store::describeType(*v)));
      return;
    }
    const std::string& text = v->get_ref<const std::string&>();
    if (!common::validUtf8(text)) {
      problem(problems, field, "is not UTF-8");
    } else if (text.size() > kMaxCommentBytes) {
      problem(problems, field, fmt::format("longer than {} bytes", kMaxCommentBytes));
    } else if (std::any_of(text.begin(), text.end(),
                           [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      // One line: it goes into message texts, where a newline could forge lines.
      problem(problems, field, "has a control character (a newline, tab, ...)");
    } else {
      out = text;
    }
  };
  text_field("comment", ack.comment);
  text_field("created-by", ack.by);
  std::string expires, duration;
  text_field("expires", expires);
  text_field("duration", duration);
  if (!expires.empty() && !duration.empty()) {
    problem(problems, "duration", "give expires or duration, not both");
  } else if (!expires.empty()) {
    auto t = common::parseRfc3339(expires);
    if (!t) {
      problem(problems, "expires",
              fmt::format("'{}' is not an RFC 3339 time like 2026-12-06T10:00:00Z",
                          common::printable(expires, 60)));
    } else if (*t <= now) {
      problem(problems, "expires", "is past; an ack must end in the future (or not at all)");
    } else if (*t - now > kMaxAckLength) {
      problem(problems, "expires", "more than 31 days away; at most that");
    } else {
      ack.expires = *t;
    }
  } else if (!duration.empty()) {
    auto d = common::parseDuration(duration);
    if (!d) {
      problem(problems, "duration", d.error().message);
    } else if (d->count() <= 0) {
      problem(problems, "duration", "must be longer than 0");
    } else if (*d > kMaxAckLength) {
      problem(problems, "duration", "longer than 31 days; at most that");
    } else {
      ack.expires = now + std::chrono::duration_cast<common::SystemTime::duration>(*d);
    }
  }
  if (!problems.empty()) {
    return fail(Errc::kInvalidArgument, "invalid ack");
  }
  return ack;
}

nlohmann::json ackJson(const store::Incident& inc, common::SystemTime now) {
  nlohmann::json j = {{"check", inc.check},
                      {"incident", inc.id},
                      {"status", std::string(state::stateName(inc.status))},
                      {"acked", inc.ackedAt(now)}};
  if (inc.ack) {
    j["ack"] = {
        {"by", inc.ack->by},
        {"comment", inc.ack->comment},
        {"at", common::formatRfc3339(inc.ack->at)},
        {"expires", inc.ack->expires ? nlohmann::json(common::formatRfc3339(*inc.ack->expires))
                                     : nlohmann::json()}};
  }
  return j;
}

Response noCheck(const std::string& check) {
  config::Problems problems;
  problem(problems, "check", fmt::format("'{}' is not a check name", common::printable(check, 60)));
  return Response::problems(400, problems);
}

// The link's incident id, or the answer refusing it.
Result<std::string> checkLink(LinkKey& key, const std::string& check, const std::string& token) {
  auto links = key.get();
  if (!links) {
    return tl::unexpected(links.error());
  }
  return (*links)->verify(token, check, std::chrono::system_clock::now());
}

Response refusedLink(const Request& r, const Error& e) {
  const int status = e.code == Errc::kPermissionDenied ? 403 : 503;
  if (wantsHtml(r)) {
    return page(status, "Not acknowledged", "<p>" + html(e.message) + "</p>");
  }
  return Response::error(status, e.message);
}

Response postAck(const Context& ctx, LinkKey& key, const Request& r) {
  const std::string check = r.param("check");
  if (!config::validName(check)) {
    return noCheck(check);
  }
  std::string incident_id;  // "" = whichever incident is open
  const auto token = r.queryValue("token");
  if (token) {
    auto verified = checkLink(key, check, *token);
    if (!verified) {
      return refusedLink(r, verified.error());
    }
    incident_id = *verified;
  } else if (ctx.authorize) {
    if (auto denied = ctx.authorize(r, Access::kWrite)) {
      return *denied;
    }
  }
  const auto now = std::chrono::system_clock::now();
  config::Problems problems;
  auto ack = ackFromBody(r.body, now, problems);
  if (!ack) {
    return Response::problems(400, problems);
  }
  store::IncidentStore incidents(ctx.store);
  if (token) {
    // Whoever holds the message: not a name they choose. A link on an incident acked
    // already changes nothing (a second click, or someone else's ack with an end).
    ack->by = "an alert's ack link";
    auto current = incidents.load(check);
    if (!current) {
      return storeError(current.error());
    }
    if (current->incident && current->incident->id == incident_id
        && current->incident->ackedAt(now)) {
      if (wantsHtml(r)) {
        return page(
            200, "Acknowledged already",
            fmt::format("<p>The incident of <b>{}</b> is acknowledged already.</p>", html(check)));
      }
      return Response::json(
          200, common::dumpJson({{"status", "ok"}, {"ack", ackJson(*current->incident, now)}}));
    }
  }
  auto done = incidents.acknowledge(check, *ack, incident_id, now);
  if (!done) {
    if (done.error().code == Errc::kNotFound) {
      if (token && wantsHtml(r)) {
        return page(409, "Nothing to acknowledge", "<p>" + html(done.error().message) + "</p>");
      }
      return Response::error(409, done.error().message);
    }
    return storeError(done.error());
  }
  if (ctx.on_event) {
    ctx.on_event(store::event_kind::kAlertAcked, check,
                 fmt::format("'{}' acknowledged by {}{}", check,
                             done->ack->by.empty() ? "someone" : done->ack->by,
                             done->ack->comment.empty() ? "" : ": " + done->ack->comment));
  }
  if (token && wantsHtml(r)) {
    return page(200, "Acknowledged",
                fmt::format("<p>The incident of <b>{}</b> is acknowledged: no reminders and no "
                            "escalation until it ends.</p>",
                            html(check)));
  }
  return Response::json(200, common::dumpJson({{"status", "ok"}, {"ack", ackJson(*done, now)}}));
}

// GET with ?token: the page an ack link opens (nothing is written). Without: the ack now.
Response getAck(const Context& ctx, LinkKey& key, const Request& r) {
  const std::string check = r.param("check");
  if (!config::validName(check)) {
    return noCheck(check);
  }
  const auto token = r.queryValue("token");
  if (token) {
    auto verified = checkLink(key, check, *token);
    if (!verified) {
      return refusedLink(r, verified.error());
    }
    return page(200, "Acknowledge " + check + "?",
                fmt::format("<p>Acknowledge the incident of <b>{0}</b>? Its reminders and "
                            "escalation stop until it ends; whoever was alerted is told.</p>"
                            "<form method=\"post\" action=\"?token={1}\">"
                            "<button type=\"submit\" style=\"font-size:1.3em\">Acknowledge"
                            "</button></form>",
                            html(check), html(*token, token->size() + 1)));
  }
  if (ctx.authorize) {
    if (auto denied = ctx.authorize(r, Access::kRead)) {
      return *denied;
    }
  }
  store::IncidentStore incidents(ctx.store);
  auto loaded = incidents.load(check);
  if (!loaded) {
    return storeError(loaded.error());
  }
  if (!loaded->incident || loaded->incident->resolved()) {
    return Response::error(404, fmt::format("'{}' has no open incident", check));
  }
  return Response::json(
      200, common::dumpJson(ackJson(*loaded->incident, std::chrono::system_clock::now())));
}

Response deleteAck(const Context& ctx, const Request& r) {
  const std::string check = r.param("check");
  if (!config::validName(check)) {
    return noCheck(check);
  }
  store::IncidentStore incidents(ctx.store);
  auto done = incidents.unacknowledge(check, std::chrono::system_clock::now());
  if (!done) {
    if (done.error().code == Errc::kNotFound) {
      return Response::error(404, done.error().message);
    }
    return storeError(done.error());
  }
  if (!*done) {
    return Response::error(404, fmt::format("'{}' is not acknowledged", check));
  }
  if (ctx.on_event) {
    ctx.on_event(
        store::event_kind::kAlertAcked, check,
        fmt::format("'{}': acknowledgement withdrawn; reminders and escalation go on", check));
  }
  return ok(200, {{"unacked", check}});
}

}  // namespace

void addAckRoutes(Router& router, const Context& context) {
  auto key = std::make_shared<LinkKey>(context.store);
  // Open at the router: a signed link stands in for the token; without one the handler
  // asks the authorizer itself.
  const RouteOptions open_blocking{.access = Access::kOpen, .blocking = true};
  router.post(
      "/api/v1/ack/{check}",
      [ctx = context, key](const Request& r) { return postAck(ctx, *key, r); }, open_blocking);
  router.get(
      "/api/v1/ack/{check}",
      [ctx = context, key](const Request& r) { return getAck(ctx, *key, r); }, open_blocking);
  router.del("/api/v1/ack/{check}", [ctx = context](const Request& r) { return deleteAck(ctx, r); },
             {.blocking = true});
}

}  // namespace ninevolt::api::v1

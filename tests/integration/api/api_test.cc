// The /api/v1 contract against a running `9volt server` and a real etcd: every route, bad
// input (400 naming object and field, 404, 405, 413, 415), auth (401/403, open routes),
// nothing written on a rejected request, secrets redacted, HTTPS, the live stream; and the
// embedded /ui.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/check_type.h"
#include "integration/api/api_client.h"
#include "support/check_types.h"
#include "support/etcd_fixture.h"
#include "support/process.h"
#include "support/sse_client.h"

namespace ninevolt {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ::testing::HasSubstr;
using ::testing::Not;

using apitest::call;
using apitest::Reply;

const std::map<std::string, std::string> kRw{{"X-Access-Token", "rw-token"},
                                             {"Content-Type", "application/json"}};
const std::map<std::string, std::string> kRo{{"Authorization", "Bearer ro-token"},
                                             {"Content-Type", "application/json"}};

class Api : public ninevolt::testing::EtcdTest {
 protected:
  std::unique_ptr<ninevolt::testing::Process> start(std::vector<std::string> extra, uint16_t& port,
                                                    const std::string& name) {
    port = freePort();
    std::vector<std::string> argv{
        NINEVOLT_BINARY,  "server", "--listen", "127.0.0.1:" + std::to_string(port), "-e",
        etcd_->endpoint()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<ninevolt::testing::Process>(
        argv, std::map<std::string, std::string>{}, (dir_->path() / (name + ".log")).string());
    return p;
  }
  void startSecured() {
    server_ = start({"-a", "rw-token", "--read-tokens", "ro-token"}, port_, "server");
    ASSERT_TRUE(eventually([&] { return call(port_, "GET", "/status/check").status == 200; },
                           std::chrono::seconds(60)))
        << server_->output();
  }
  int64_t keysUnder(const std::string& prefix) {
    return client_->range(prefix, {.prefix = true, .count_only = true})->count;
  }

  std::unique_ptr<ninevolt::testing::Process> server_;
  uint16_t port_ = 0;
};

const char* kAlerter = R"({"hook":{"type":"webhook","options":{"url":"http://127.0.0.1:9/h",
  "secret":"very-secret-value"}}})";
const char* kMonitors = R"({"web":{"type":"http","host":"127.0.0.1","port":9,"interval":"10s",
  "critical-alerter":["hook"],"tags":["front"]},
  "db":{"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s","member-tag":"mars"}})";

// --location (issue 15 §1): in the member record the API shows; a name that is not one is
// refused at start, naming the flag.
TEST_F(Api, TheMembersLocationIsShownAndABadOneIsRefused) {
  server_ = start({"-a", "rw-token", "--read-tokens", "ro-token", "--location", "eu-west"}, port_,
                  "server");
  ASSERT_TRUE(eventually([&] { return call(port_, "GET", "/status/check").status == 200; },
                         std::chrono::seconds(60)))
      << server_->output();
  auto cluster = call(port_, "GET", "/api/v1/cluster", "", kRo).json();
  ASSERT_EQ(cluster["Members"].size(), 1U) << cluster.dump();
  EXPECT_EQ(cluster["Members"].begin().value()["location"], "eu-west") << cluster.dump();

  uint16_t other = 0;
  auto bad = start({"--location", "eu west/1"}, other, "bad-location");
  EXPECT_EQ(bad->wait(std::chrono::seconds(30)), 2);
  EXPECT_THAT(bad->output(), HasSubstr("--location: 'eu west/1' is not a location name"));
}

TEST_F(Api, AuthOpenRoutesAndTokens) {
  startSecured();
  EXPECT_EQ(call(port_, "GET", "/version").status, 200);
  EXPECT_EQ(call(port_, "GET", "/").status, 200);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state").status, 401);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state", "", {{"X-Access-Token", "wrong"}}).status, 401);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state", "", kRo).status, 200);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state", "", kRw).status, 200);
  auto denied = call(port_, "POST", "/api/v1/alerter", kAlerter, kRo);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.json()["status"], "error");
  EXPECT_EQ(call(port_, "POST", "/api/v1/alerter", kAlerter,
                 {{"Authorization", "Bearer rw-token"}, {"Content-Type", "application/json"}})
                .status,
            201);
  // The original's GET with a side effect is a write: read tokens may not use it.
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/web?disable=true", "", kRo).status, 403);
}

// The UI and clients learn the check types and their fields from the server.
TEST_F(Api, TypesListEveryBuiltTypeWithItsFields) {
  startSecured();
  EXPECT_EQ(call(port_, "GET", "/api/v1/types").status, 401);
  auto all = call(port_, "GET", "/api/v1/types", "", kRo);
  ASSERT_EQ(all.status, 200) << all.body;
  auto body = all.json();
  std::vector<std::string> names;
  for (const auto& t : body["types"]) {
    names.push_back(t["name"]);
    EXPECT_FALSE(t["summary"].get<std::string>().empty()) << t.dump();
    EXPECT_FALSE(t["fields"].empty()) << t.dump();
  }
  std::vector<std::string> built;
  for (const auto* t : ninevolt::config::checkTypes()) {
    built.emplace_back(t->name());
  }
  EXPECT_EQ(names, built);
  auto interval = std::find_if(body["common-fields"].begin(), body["common-fields"].end(),
                               [](const auto& f) { return f["name"] == "interval"; });
  ASSERT_NE(interval, body["common-fields"].end());
  EXPECT_EQ((*interval)["kind"], "duration");
  EXPECT_EQ((*interval)["required"], true);

  auto tcp = call(port_, "GET", "/api/v1/types/tcp", "", kRo);
  ASSERT_EQ(tcp.status, 200) << tcp.body;
  const auto tcp_type = tcp.json();
  EXPECT_EQ(tcp_type["default-timeout"], "4s");
  const auto& fields = tcp_type["fields"];
  auto port =
      std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f["name"] == "port"; });
  ASSERT_NE(port, fields.end());
  EXPECT_EQ((*port)["kind"], "int");
  EXPECT_EQ((*port)["required"], true);
  EXPECT_EQ((*port)["min"], 1);
  EXPECT_EQ((*port)["max"], 65535);

  auto missing = call(port_, "GET", "/api/v1/types/htp", "", kRo);
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.json()["message"].get<std::string>(),
              HasSubstr("no check type 'htp'; this build has http, tcp"));
}

TEST_F(Api, OpenWithoutTokens) {
  uint16_t port = 0;
  auto server = start({}, port, "open");
  ASSERT_TRUE(eventually([&] { return call(port, "GET", "/status/check").status == 200; },
                         std::chrono::seconds(60)));
  EXPECT_EQ(call(port, "POST", "/api/v1/alerter", kAlerter, {{"Content-Type", "application/json"}})
                .status,
            201);
  EXPECT_THAT(server->output(), HasSubstr("/api/v1 is open"));
}

TEST_F(Api, ConfigWritesValidateAllOrNothing) {
  startSecured();
  ASSERT_EQ(call(port_, "POST", "/api/v1/alerter", kAlerter, kRw).status, 201);
  // One good and several bad: every problem listed, object and field named, nothing written.
  auto bad = call(port_, "POST", "/api/v1/monitor",
                  R"({"ok":{"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s"},
                      "bad":{"type":"tcp","interval":"1s","timeout":"5s","critical-alerter":["nope"]},
                      "ex":{"type":"exec","command":"/bin/true","interval":"10s"}})",
                  kRw);
  EXPECT_EQ(bad.status, 400);
  auto j = bad.json();
  EXPECT_EQ(j["status"], "error");
  std::set<std::string> fields;
  for (const auto& p : j["problems"]) {
    fields.insert(p["object"].get<std::string>() + "/" + p["field"].get<std::string>());
  }
  EXPECT_TRUE(fields.contains("monitor 'bad'/host"));
  EXPECT_TRUE(fields.contains("monitor 'bad'/port"));
  EXPECT_TRUE(fields.contains("monitor 'bad'/timeout"));
  EXPECT_TRUE(fields.contains("monitor 'bad'/critical-alerter"));
  EXPECT_TRUE(fields.contains("monitor 'ex'/type"));
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("unknown alerter 'nope'"));
  EXPECT_EQ(keysUnder("/9volt/monitor/"), 0);

  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor", "{not json", kRw).status, 400);
  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor", "[]", kRw).status, 400);
  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor", kMonitors,
                 {{"X-Access-Token", "rw-token"}, {"Content-Type", "text/yaml"}})
                .status,
            415);
  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor", std::string(1100000, ' '), kRw).status, 413);
  EXPECT_EQ(keysUnder("/9volt/monitor/"), 0);

  auto created = call(port_, "POST", "/api/v1/monitor", kMonitors, kRw);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["created"], nlohmann::json::array({"db", "web"}));
  EXPECT_EQ(keysUnder("/9volt/monitor/"), 2);
  auto again = call(port_, "POST", "/api/v1/monitor", kMonitors, kRw);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["unchanged"].size(), 2U);

  auto list = call(port_, "GET", "/api/v1/monitor", "", kRo);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["web"]["interval"], "10s");
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/web", "", kRo).json()["type"], "http");
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/nope", "", kRo).status, 404);

  // PUT: create or replace one; invalid -> 400 and the stored one is kept.
  EXPECT_EQ(
      call(port_, "PUT", "/api/v1/monitor/web", R"({"type":"http","interval":"0s"})", kRw).status,
      400);
  EXPECT_THAT(client_->range("/9volt/monitor/web")->kvs[0].value, HasSubstr("front"));
  EXPECT_EQ(call(port_, "PUT", "/api/v1/monitor/web",
                 R"({"type":"http","host":"127.0.0.1","port":9,"interval":"20s"})", kRw)
                .status,
            200);
  EXPECT_THAT(client_->range("/9volt/monitor/web")->kvs[0].value, HasSubstr("20s"));
  EXPECT_EQ(call(port_, "PUT", "/api/v1/monitor/new",
                 R"({"type":"tcp","host":"127.0.0.1","port":9,"interval":"20s"})", kRw)
                .status,
            201);

  // disable / enable, both ways.
  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor/web/disable", "", kRw).status, 200);
  EXPECT_THAT(client_->range("/9volt/monitor/web")->kvs[0].value, HasSubstr("\"disable\":true"));
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/web?disable=false", "", kRw).status, 200);
  EXPECT_THAT(client_->range("/9volt/monitor/web")->kvs[0].value, HasSubstr("\"disable\":false"));
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/web?disable=maybe", "", kRw).status, 400);
  EXPECT_EQ(call(port_, "POST", "/api/v1/monitor/nope/enable", "", kRw).status, 404);

  // 405 with Allow.
  auto wrong = call(port_, "PATCH", "/api/v1/monitor/web", "", kRw);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["Allow"], "DELETE, GET, PUT");

  // DELETE; an alerter still in use cannot go.
  EXPECT_EQ(call(port_, "DELETE", "/api/v1/monitor/web", "", kRw).status, 200);
  EXPECT_EQ(call(port_, "DELETE", "/api/v1/monitor/web", "", kRw).status, 404);
  EXPECT_EQ(call(port_, "PUT", "/api/v1/monitor/web",
                 R"({"type":"http","host":"127.0.0.1","port":9,"interval":"20s",
                     "critical-alerter":["hook"]})",
                 kRw)
                .status,
            201);
  EXPECT_EQ(call(port_, "DELETE", "/api/v1/alerter/hook", "", kRw).status, 409);
  EXPECT_EQ(keysUnder("/9volt/alerter/"), 1);
}

// depends-on through the API: an unknown parent (with a did-you-mean) and a cycle between
// two monitors of one request are refused whole, with the cycle's path; a parent others
// depend on cannot be deleted (409, naming them) until they stop depending on it.
TEST_F(Api, DependsOnIsCheckedAcrossMonitors) {
  startSecured();
  const std::string tcp = R"("type":"tcp","host":"127.0.0.1","port":9,"interval":"10s")";
  ASSERT_EQ(call(port_, "PUT", "/api/v1/monitor/gateway", "{" + tcp + "}", kRw).status, 201);
  auto unknown =
      call(port_, "PUT", "/api/v1/monitor/shop", "{" + tcp + R"(,"depends-on":["gatway"]})", kRw);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("depends-on: unknown monitor 'gatway' (did you mean "
                                      "'gateway'?)"));
  auto cycle = call(port_, "POST", "/api/v1/monitor",
                    R"({"a":{)" + tcp + R"(,"depends-on":["b"]},"b":{)" + tcp
                        + R"(,"depends-on":["a","gateway"]}})",
                    kRw);
  EXPECT_EQ(cycle.status, 400);
  EXPECT_THAT(cycle.body, HasSubstr("depends-on: a cycle: a -> b -> a"));
  EXPECT_EQ(call(port_, "GET", "/api/v1/monitor/a", "", kRo).status, 404);  // nothing written
  ASSERT_EQ(
      call(port_, "PUT", "/api/v1/monitor/shop", "{" + tcp + R"(,"depends-on":["gateway"]})", kRw)
          .status,
      201);
  // Closing a cycle through a stored monitor is refused too.
  auto closing =
      call(port_, "PUT", "/api/v1/monitor/gateway", "{" + tcp + R"(,"depends-on":["shop"]})", kRw);
  EXPECT_EQ(closing.status, 400);
  EXPECT_THAT(closing.body, HasSubstr("a cycle: gateway -> shop -> gateway"));
  auto del = call(port_, "DELETE", "/api/v1/monitor/gateway", "", kRw);
  EXPECT_EQ(del.status, 409);
  EXPECT_THAT(del.body, HasSubstr(R"(depends-on of monitor(s) [\"shop\"])"));
  ASSERT_EQ(call(port_, "PUT", "/api/v1/monitor/shop", "{" + tcp + "}", kRw).status, 200);
  EXPECT_EQ(call(port_, "DELETE", "/api/v1/monitor/gateway", "", kRw).status, 200);
}

TEST_F(Api, AlertersAreRedacted) {
  startSecured();
  ASSERT_EQ(call(port_, "POST", "/api/v1/alerter", kAlerter, kRw).status, 201);
  auto list = call(port_, "GET", "/api/v1/alerter", "", kRo);
  EXPECT_EQ(list.status, 200);
  EXPECT_THAT(list.body, Not(HasSubstr("very-secret-value")));
  EXPECT_EQ(list.json()["hook"]["options"]["secret"], "<redacted>");
  auto one = call(port_, "GET", "/api/v1/alerter/hook", "", kRo);
  EXPECT_THAT(one.body, Not(HasSubstr("very-secret-value")));
  EXPECT_EQ(one.json()["options"]["url"], "http://127.0.0.1:9/h");
  // The stored value keeps the secret (the alerter needs it).
  EXPECT_THAT(client_->range("/9volt/alerter/hook")->kvs[0].value, HasSubstr("very-secret-value"));
}

TEST_F(Api, AlertersMissingRequiredOptionsAreRejectedWhole) {
  startSecured();
  // Each type without what it needs, beside a good one: 400 naming each alerter and option,
  // and nothing written (not even the good one).
  auto bad = call(port_, "POST", "/api/v1/alerter",
                  R"({"good":{"type":"webhook","options":{"url":"http://127.0.0.1:9/h"}},
                      "s":{"type":"slack","options":{"token":"xoxb-1"}},
                      "p":{"type":"pagerduty","options":{}},
                      "e":{"type":"email","options":{"to":"ops@example.org"}},
                      "w":{"type":"webhook","options":{}}})",
                  kRw);
  EXPECT_EQ(bad.status, 400) << bad.body;
  std::set<std::string> fields;
  const auto answer = bad.json();
  for (const auto& p : answer["problems"]) {
    fields.insert(p["object"].get<std::string>() + "/" + p["field"].get<std::string>());
  }
  EXPECT_TRUE(fields.contains("alerter 's'/options.channel")) << bad.body;
  EXPECT_TRUE(fields.contains("alerter 'p'/options.routing-key")) << bad.body;
  EXPECT_TRUE(fields.contains("alerter 'e'/options.address")) << bad.body;
  EXPECT_TRUE(fields.contains("alerter 'w'/options.url")) << bad.body;
  EXPECT_FALSE(std::any_of(fields.begin(), fields.end(),
                           [](const std::string& f) { return f.starts_with("alerter 'good'"); }));
  EXPECT_EQ(keysUnder("/9volt/alerter/"), 0);
  // PUT of one: the same rules.
  auto put = call(port_, "PUT", "/api/v1/alerter/p", R"({"type":"pagerduty","options":{}})", kRw);
  EXPECT_EQ(put.status, 400);
  EXPECT_THAT(put.body, HasSubstr("routing-key"));
  EXPECT_EQ(keysUnder("/9volt/alerter/"), 0);
}

TEST_F(Api, StateClusterOrphansEvents) {
  startSecured();
  ASSERT_EQ(call(port_, "POST", "/api/v1/alerter", kAlerter, kRw).status, 201);
  ASSERT_EQ(call(port_, "POST", "/api/v1/monitor", kMonitors, kRw).status, 201);

  // web runs here (port 9 refuses: critical); db has member-tag mars: an orphan.
  ASSERT_TRUE(eventually(
      [&] {
        auto s = call(port_, "GET", "/api/v1/state?name=we", "", kRo).json();
        return s.is_array() && s.size() == 1 && s[0]["status"] == "critical";
      },
      std::chrono::seconds(30)));
  auto all = call(port_, "GET", "/api/v1/state", "", kRo).json();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0]["check"], "db");
  EXPECT_EQ(all[0]["status"], "orphaned");  // no live member has tag mars
  EXPECT_EQ(all[0]["last-status"], "pending");
  EXPECT_EQ(all[0]["orphaned"], true);
  EXPECT_EQ(all[1]["orphaned"], false);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?status=orphaned", "", kRo).json().size(), 1U);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?tags=front", "", kRo).json().size(), 1U);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?type=tcp", "", kRo).json()[0]["check"], "db");
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?status=critical", "", kRo).json()[0]["check"], "web");
  // Paging: limit 1 gives a cursor; after it comes the rest.
  auto page = call(port_, "GET", "/api/v1/state?limit=1", "", kRo);
  EXPECT_EQ(page.headers["X-Next-After"], "db");
  auto rest = call(port_, "GET", "/api/v1/state?limit=1&after=db", "", kRo);
  EXPECT_EQ(rest.json()[0]["check"], "web");
  EXPECT_EQ(rest.headers.count("X-Next-After"), 0U);
  auto badq = call(port_, "GET", "/api/v1/state?limit=0&status=sad", "", kRo);
  EXPECT_EQ(badq.status, 400);
  EXPECT_EQ(badq.json()["problems"].size(), 2U);
  // check=: exactly one check (the UI's detail page), even where a name filter matches more.
  auto one = call(port_, "GET", "/api/v1/state?check=web", "", kRo).json();
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one[0]["check"], "web");
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?check=we", "", kRo).json().size(), 0U);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state?check=web&status=ok", "", kRo).json().size(), 0U);

  // The overview's counts: every check once, by status, type and owner.
  auto summary = call(port_, "GET", "/api/v1/state/summary", "", kRo);
  ASSERT_EQ(summary.status, 200) << summary.body;
  auto sj = summary.json();
  EXPECT_EQ(sj["total"], 2);
  EXPECT_EQ(sj["by_status"]["critical"], 1);
  EXPECT_EQ(sj["by_status"]["orphaned"], 1);  // db: member-tag mars, on no member
  EXPECT_EQ(sj["by_status"]["pending"], 0);
  EXPECT_EQ(sj["by_status"]["ok"], 0);
  EXPECT_EQ(sj["by_type"]["http"], 1);
  EXPECT_EQ(sj["by_type"]["tcp"], 1);
  EXPECT_EQ(sj["by_owner"].size(), 1U);
  EXPECT_EQ(call(port_, "GET", "/api/v1/state/summary").status, 401);
  ASSERT_EQ(call(port_, "POST", "/api/v1/monitor/web/disable", "", kRw).status, 200);
  // One scan answers for 2 s: the change shows within that.
  EXPECT_TRUE(eventually([&] {
    return call(port_, "GET", "/api/v1/state/summary", "", kRo).json()["by_status"]["disabled"]
           == 1;
  }));
  ASSERT_EQ(call(port_, "POST", "/api/v1/monitor/web/enable", "", kRw).status, 200);

  auto cluster = call(port_, "GET", "/api/v1/cluster", "", kRo).json();
  ASSERT_EQ(cluster["Members"].size(), 1U);
  std::string id = cluster["Members"].begin().key();
  EXPECT_EQ(cluster["Director"]["MemberID"], id);
  EXPECT_EQ(cluster["orphans"], 1);
  EXPECT_TRUE(eventually([&] {
    return call(port_, "GET", "/api/v1/cluster", "", kRo).json()["Members"][id]["checks"] == 1;
  }));
  auto orphans = call(port_, "GET", "/api/v1/orphans", "", kRo).json();
  EXPECT_EQ(orphans["count"], 1);
  EXPECT_EQ(orphans["orphans"][0]["check"], "db");

  ASSERT_TRUE(eventually([&] {
    auto ev = call(port_, "GET", "/api/v1/event?type=warning&since=1h", "", kRo).json();
    return ev.is_array() && !ev.empty()
           && ev[0]["message"].get<std::string>().find("orphaned") != std::string::npos;
  }));
  EXPECT_EQ(call(port_, "GET", "/api/v1/event?limit=1", "", kRo).json().size(), 1U);
  EXPECT_EQ(call(port_, "GET", "/api/v1/event?since=yesterday", "", kRo).status, 400);
}

// The embedded web UI: open (its API calls carry the token), index.html revalidated, hashed
// assets cached for a year, 304 on a matching ETag, gzip when asked for.
TEST_F(Api, WebUi) {
  startSecured();
  auto redirect = call(port_, "GET", "/ui");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.headers["Location"], "ui/");  // relative: a path prefix survives
  auto index = call(port_, "GET", "/ui/");
  ASSERT_EQ(index.status, 200);
  EXPECT_THAT(index.headers["Content-Type"], HasSubstr("text/html"));
  EXPECT_EQ(index.headers["Cache-Control"], "no-cache");
  EXPECT_THAT(index.body, HasSubstr("<title>9volt</title>"));
  ASSERT_FALSE(index.headers["ETag"].empty());
  EXPECT_EQ(call(port_, "GET", "/ui/index.html").body, index.body);
  auto same = call(port_, "GET", "/ui/", "", {{"If-None-Match", index.headers["ETag"]}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());

  // The script index.html loads (built with a content hash in its name).
  auto at = index.body.find("assets/");
  ASSERT_NE(at, std::string::npos);
  std::string asset = index.body.substr(at, index.body.find('"', at) - at);
  auto js = call(port_, "GET", "/ui/" + asset);
  ASSERT_EQ(js.status, 200) << asset;
  EXPECT_THAT(js.headers["Cache-Control"], HasSubstr("immutable"));
  EXPECT_THAT(js.headers["Content-Type"], HasSubstr(asset.ends_with(".js") ? "javascript" : "css"));
  auto gz = call(port_, "GET", "/ui/" + asset, "", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(gz.headers["Content-Encoding"], "gzip");
  EXPECT_LT(gz.body.size(), js.body.size());
  EXPECT_EQ(call(port_, "GET", "/ui/assets/nope.js").status, 404);
  EXPECT_EQ(call(port_, "GET", "/ui/nope.html").status, 404);
}

// The live stream on the real binary: a read token in ?access_token=, a change made through
// the API arrives, and SIGTERM ends the stream cleanly and the server exits promptly.
TEST_F(Api, StreamThenSigtermEndsIt) {
  startSecured();
  ninevolt::testing::SseClient denied(port_, "/api/v1/stream");
  EXPECT_EQ(denied.status(), 401);
  ninevolt::testing::SseClient stream(port_, "/api/v1/stream?access_token=ro-token&types=cluster");
  ASSERT_EQ(stream.status(), 200) << stream.body();
  auto hello = stream.next();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->event, "hello");
  ASSERT_EQ(call(port_, "POST", "/api/v1/alerter", kAlerter, kRw).status, 201);
  // The cluster's own writes (assignments, members) may come too: look for the alerter.
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    auto m = stream.next();
    ASSERT_TRUE(m) << server_->output();
    auto j = nlohmann::json::parse(m->data);
    seen = m->event == "cluster" && j["change"] == "alerter" && j["key"] == "hook";
  }
  EXPECT_TRUE(seen);
  server_->signal(SIGTERM);
  bool clean = false;
  EXPECT_TRUE(stream.waitEnded(std::chrono::seconds(5), &clean)) << server_->output();
  EXPECT_TRUE(clean);
  EXPECT_EQ(server_->wait(std::chrono::seconds(15)), 0) << server_->output();
}

TEST_F(Api, ExecAllowedWithFlag) {
  NV_REQUIRE_CHECK_TYPES("exec");
  uint16_t port = 0;
  auto server = start({"--api-allow-exec"}, port, "exec");
  ASSERT_TRUE(eventually([&] { return call(port, "GET", "/status/check").status == 200; },
                         std::chrono::seconds(60)));
  EXPECT_EQ(call(port, "PUT", "/api/v1/monitor/ex",
                 R"({"type":"exec","command":"/bin/true","interval":"10s"})",
                 {{"Content-Type", "application/json"}})
                .status,
            201);
}

TEST_F(Api, Https) {
  std::string cert = (dir_->path() / "cert.pem").string();
  std::string key = (dir_->path() / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout "
      + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  uint16_t port = 0;
  auto server = start({"--tls-cert", cert, "--tls-key", key, "-a", "rw-token"}, port, "tls");
  auto curl = [&](const std::string& args) {
    std::string full = "curl -s -m 5 --cacert " + cert + " " + args;
    std::string out;
    if (FILE* f = popen(full.c_str(), "r")) {
      char buf[4096];
      size_t n = 0;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        out.append(buf, n);
      }
      pclose(f);
    }
    return out;
  };
  std::string base = "https://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(
      eventually([&] { return curl(base + "/status/check").find("ok") != std::string::npos; },
                 std::chrono::seconds(60)))
      << server->output();
  EXPECT_THAT(curl("-H 'X-Access-Token: rw-token' " + base + "/api/v1/cluster"),
              HasSubstr("Members"));
  EXPECT_THAT(curl("-w '%{http_code}' " + base + "/api/v1/cluster"), HasSubstr("401"));
  // Plain HTTP on the TLS port gets nothing useful.
  auto plain = call(port, "GET", "/status/check");
  EXPECT_EQ(plain.status, 0) << plain.body << server->output();
  EXPECT_THAT(server->output(), HasSubstr("https://"));
}

}  // namespace
}  // namespace ninevolt

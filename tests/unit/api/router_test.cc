#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ninevolt::api {
namespace {

using ::testing::HasSubstr;

Request make(const std::string& method, const std::string& target, std::string body = {},
             std::string content_type = {}) {
  Request r;
  r.method = method;
  parseTarget(target, r);
  r.body = std::move(body);
  if (!content_type.empty()) {
    r.headers["content-type"] = content_type;
  }
  return r;
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) {
      return v;
    }
  }
  return {};
}

Router testRouter() {
  Router router;
  auto echo = [](const std::string& tag) {
    return [tag](const Request& r) {
      nlohmann::json params = r.params;
      return Response::json(200, nlohmann::json{{"route", tag}, {"params", params}}.dump());
    };
  };
  router.get("/api/v1/monitor", echo("list"));
  router.post("/api/v1/monitor", echo("post"));
  router.get("/api/v1/monitor/{name}", echo("one"));
  router.put("/api/v1/monitor/{name}", echo("put"));
  router.del("/api/v1/monitor/{name}", echo("delete"));
  router.post("/api/v1/monitor/{name}/disable", echo("disable"));
  router.get("/api/v1/monitor/_special", echo("literal"));
  return router;
}

nlohmann::json body(const Response& r) {
  return nlohmann::json::parse(r.body);
}

TEST(Router, MatchesLiteralAndParameterRoutes) {
  auto router = testRouter();
  auto r = router.dispatch(make("GET", "/api/v1/monitor"));
  EXPECT_EQ(body(r)["route"], "list");
  r = router.dispatch(make("GET", "/api/v1/monitor/web"));
  EXPECT_EQ(body(r)["route"], "one");
  EXPECT_EQ(body(r)["params"]["name"], "web");
  r = router.dispatch(make("POST", "/api/v1/monitor/web/disable"));
  EXPECT_EQ(body(r)["route"], "disable");
  EXPECT_EQ(body(r)["params"]["name"], "web");
  // A trailing slash is the same path.
  r = router.dispatch(make("GET", "/api/v1/monitor/"));
  EXPECT_EQ(body(r)["route"], "list");
}

TEST(Router, LiteralSegmentWinsOverParameter) {
  auto router = testRouter();
  auto r = router.dispatch(make("GET", "/api/v1/monitor/_special"));
  EXPECT_EQ(body(r)["route"], "literal");
}

TEST(Router, ParametersAreDecodedAfterSplitting) {
  auto router = testRouter();
  auto r = router.dispatch(make("GET", "/api/v1/monitor/a%2Fb%20c"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["params"]["name"], "a/b c");
}

TEST(Router, UnknownPathIs404) {
  auto router = testRouter();
  auto r = router.dispatch(make("GET", "/api/v1/nothing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body(r)["status"], "error");
  EXPECT_THAT(body(r)["message"].get<std::string>(), HasSubstr("/api/v1/nothing"));
  EXPECT_EQ(router.dispatch(make("GET", "/api/v1/monitor/web/extra")).status, 404);
}

TEST(Router, WrongMethodIs405WithAllow) {
  auto router = testRouter();
  auto r = router.dispatch(make("PATCH", "/api/v1/monitor/web"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "DELETE, GET, PUT");
  r = router.dispatch(make("DELETE", "/api/v1/monitor"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, POST");
  EXPECT_EQ(body(r)["status"], "error");
}

TEST(Router, WriteWithNonJsonBodyIs415) {
  auto router = testRouter();
  EXPECT_EQ(router.dispatch(make("POST", "/api/v1/monitor", "{}", "text/plain")).status, 415);
  EXPECT_EQ(router.dispatch(make("POST", "/api/v1/monitor", "{}")).status, 415);
  EXPECT_EQ(router.dispatch(make("POST", "/api/v1/monitor", "{}", "application/json")).status, 200);
  EXPECT_EQ(
      router.dispatch(make("PUT", "/api/v1/monitor/x", "{}", "Application/JSON; charset=utf-8"))
          .status,
      200);
  // No body, no content type needed (disable/enable).
  EXPECT_EQ(router.dispatch(make("POST", "/api/v1/monitor/x/disable")).status, 200);
}

TEST(Router, AuthorizerSeesAccessOfTheRoute) {
  auto router = testRouter();
  router.get("/open", [](const Request&) { return Response::text(200, "hi"); },
             {.access = Access::kOpen});
  std::vector<Access> seen;
  router.setAuthorizer([&seen](const Request&, Access a) -> std::optional<Response> {
    seen.push_back(a);
    if (a == Access::kWrite) {
      return Response::error(403, "no");
    }
    return std::nullopt;
  });
  EXPECT_EQ(router.dispatch(make("GET", "/open")).status, 200);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(router.dispatch(make("GET", "/api/v1/monitor")).status, 200);
  EXPECT_EQ(router.dispatch(make("DELETE", "/api/v1/monitor/x")).status, 403);
  EXPECT_EQ(seen, (std::vector<Access>{Access::kRead, Access::kWrite}));
}

TEST(Router, ResolveReportsBlockingRoutes) {
  Router router;
  router.get("/slow", [](const Request&) { return Response::text(200, ""); }, {.blocking = true});
  Request r = make("GET", "/slow");
  auto resolved = router.resolve(r);
  EXPECT_FALSE(resolved.answer);
  EXPECT_TRUE(resolved.blocking);
  ASSERT_NE(resolved.handler, nullptr);
}

// A query parameter that is not UTF-8 is a 400 naming it, on every route; the router's own
// answers quote the path escaped (they were 500s: dump() threw on the raw byte).
TEST(Router, RefusesQueryParametersThatAreNotUtf8AndQuotesPathsEscaped) {
  auto router = testRouter();
  auto bad = router.dispatch(make("GET", "/api/v1/monitor?limit=1%ff&ok=1"));
  EXPECT_EQ(bad.status, 400);
  auto j = body(bad);
  ASSERT_EQ(j["problems"].size(), 1U);
  EXPECT_EQ(j["problems"][0]["object"], "query");
  EXPECT_EQ(j["problems"][0]["field"], "limit");
  EXPECT_EQ(j["problems"][0]["message"], "'1\\xff' is not valid UTF-8");
  EXPECT_EQ(router.dispatch(make("GET", "/api/v1/monitor?x%fe=1")).status, 400);
  EXPECT_EQ(router.dispatch(make("GET", "/api/v1/monitor?name=caf%C3%A9")).status, 200);

  auto missing = router.dispatch(make("GET", "/nope/%ff"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body(missing)["message"], "no route for /nope/\\xff");
  auto wrong = router.dispatch(make("PATCH", "/api/v1/monitor/%ff"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_THAT(body(wrong)["message"].get<std::string>(), HasSubstr("/api/v1/monitor/\\xff"));
}

TEST(ContentType, JsonWithParameters) {
  EXPECT_TRUE(isJsonContentType("application/json"));
  EXPECT_TRUE(isJsonContentType(" application/json ; charset=UTF-8"));
  EXPECT_FALSE(isJsonContentType("application/jsonx"));
  EXPECT_FALSE(isJsonContentType("text/json"));
  EXPECT_FALSE(isJsonContentType(""));
}

}  // namespace
}  // namespace ninevolt::api

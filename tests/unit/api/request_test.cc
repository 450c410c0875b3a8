#include "api/request.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ninevolt::api {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(percentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("%7e%7E", false), "~~");
}

TEST(PercentDecode, KeepsBrokenEscapes) {
  EXPECT_EQ(percentDecode("100%", false), "100%");
  EXPECT_EQ(percentDecode("%zz", false), "%zz");
  EXPECT_EQ(percentDecode("%4", false), "%4");
  // Two hex digits exactly: from_chars alone took a sign ("%-1" became byte 0xff).
  EXPECT_EQ(percentDecode("%-1", false), "%-1");
  EXPECT_EQ(percentDecode("%+f", false), "%+f");
  EXPECT_EQ(percentDecode("%ff", false), "\xff");
}

// from_chars takes a sign: "%-1" was decoded as byte 0xff and "%-0" as NUL (the
// http_request fuzz target checks every path against a reference decoder).
TEST(PercentDecode, NeedsTwoHexDigits) {
  EXPECT_EQ(percentDecode("%-1", false), "%-1");
  EXPECT_EQ(percentDecode("a%-0b", false), "a%-0b");
  EXPECT_EQ(percentDecode("%+1", false), "%+1");
  EXPECT_EQ(percentDecode("% 1", false), "% 1");
  EXPECT_EQ(percentDecode("%fF%00", false), std::string("\xff\0", 2));
}

TEST(ParseTarget, SplitsPathAndQuery) {
  Request r;
  parseTarget("/api/v1/state?tags=a%2Cb&name=we+b&limit=10&flag&=x", r);
  EXPECT_EQ(r.path, "/api/v1/state");
  EXPECT_EQ(r.raw_path, "/api/v1/state");
  EXPECT_EQ(r.query["tags"], "a,b");
  EXPECT_EQ(r.query["name"], "we b");
  EXPECT_EQ(r.query["limit"], "10");
  EXPECT_EQ(r.query.count("flag"), 1U);
  EXPECT_EQ(r.query["flag"], "");
}

TEST(ParseTarget, DecodesPathButKeepsRaw) {
  Request r;
  parseTarget("/api/v1/monitor/a%2Fb", r);
  EXPECT_EQ(r.path, "/api/v1/monitor/a/b");
  EXPECT_EQ(r.raw_path, "/api/v1/monitor/a%2Fb");
}

TEST(SplitList, TrimsAndDropsEmpty) {
  EXPECT_EQ(splitList(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(splitList("").empty());
}

TEST(Response, ProblemsListsEveryOne) {
  auto r = Response::problems(400, {{"", "monitor 'web'", "interval", "is required"},
                                    {"", "monitor 'web'", "port", "must be 1..65535"}});
  EXPECT_EQ(r.status, 400);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["message"],
            "monitor 'web': interval: is required; monitor 'web': port: must be 1..65535");
  ASSERT_EQ(j["problems"].size(), 2U);
  EXPECT_EQ(j["problems"][1]["field"], "port");
}

// Messages quoting what a client sent stay readable JSON: nlohmann's dump() throws
// type_error 316 on invalid UTF-8, which turned such 400s and 404s into 500s.
TEST(Response, ErrorsQuotingInvalidBytesStayReadableJson) {
  auto r = Response::error(404, "no monitor named '\xff'");
  EXPECT_EQ(r.status, 404);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["message"], "no monitor named '\\xff'");

  auto p = Response::problems(400, {{"", "monitor '\xff'", "ho\xfest", "bad \xfe value"}});
  auto k = nlohmann::json::parse(p.body);
  EXPECT_EQ(k["problems"][0]["object"], "monitor '\\xff'");
  EXPECT_EQ(k["problems"][0]["field"], "ho\\xfest");
  EXPECT_EQ(k["problems"][0]["message"], "bad \\xfe value");
  EXPECT_EQ(k["message"], "monitor '\\xff': ho\\xfest: bad \\xfe value");
  // Valid UTF-8 is kept as it is, control characters too (JSON escapes them).
  auto fine = nlohmann::json::parse(Response::error(400, "caf\xc3\xa9\n").body);
  EXPECT_EQ(fine["message"], "caf\xc3\xa9\n");
}

}  // namespace
}  // namespace ninevolt::api

#include <gtest/gtest.h>

#include "api/http_server.h"

namespace ninevolt::api {
namespace {

TEST(ParseRequest, GivesWhatHandlersSee) {
  auto r = parseRequest(
      "PUT /api/v1/monitor/a%2Fb?x=1+2&y HTTP/1.1\r\nHost: h\r\nX-Access-Token: t\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->path, "/api/v1/monitor/a/b");
  EXPECT_EQ(r->raw_path, "/api/v1/monitor/a%2Fb");
  EXPECT_EQ(r->query.at("x"), "1 2");
  EXPECT_EQ(r->query.count("y"), 1U);
  ASSERT_NE(r->header("x-access-token"), nullptr);  // names lower-cased
  EXPECT_EQ(*r->header("x-access-token"), "t");
  EXPECT_EQ(r->body, "{}");
}

TEST(ParseRequest, ReadsChunkedBodiesAndIgnoresWhatFollows) {
  auto r = parseRequest(
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /next HTTP/1.1\r\n\r\n",
      1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "abcde");
  EXPECT_EQ(r->path, "/x");
}

TEST(ParseRequest, RefusesWhatAConnectionRefuses) {
  EXPECT_FALSE(parseRequest("", 1024));
  EXPECT_FALSE(parseRequest("GET / HTTP/1.1\r\nHost: h\r\n", 1024));  // no end of header
  EXPECT_FALSE(parseRequest("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 1024));  // short
  EXPECT_FALSE(parseRequest("NOT HTTP\r\n\r\n", 1024));
  auto over = parseRequest("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", 10);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("body limit"), std::string::npos) << over.error().message;
}

}  // namespace
}  // namespace ninevolt::api

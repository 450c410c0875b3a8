#include "api/auth.h"

#include <gtest/gtest.h>

namespace ninevolt::api {
namespace {

Request withHeader(const std::string& name, const std::string& value) {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/state";
  if (!name.empty()) {
    r.headers[name] = value;
  }
  return r;
}

int status(const std::optional<Response>& r) {
  return r ? r->status : 0;  // 0 = allowed
}

TEST(TokenAuth, NoTokensConfiguredMeansOpen) {
  TokenAuth auth({}, {});
  EXPECT_FALSE(auth.enabled());
  EXPECT_EQ(status(auth.check(withHeader("", ""), Access::kWrite)), 0);
}

TEST(TokenAuth, ReadWriteAndReadOnlyTokens) {
  TokenAuth auth({"rw-secret"}, {"ro-secret"});
  EXPECT_EQ(status(auth.check(withHeader("", ""), Access::kRead)), 401);
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "nope"), Access::kRead)), 401);
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "rw-secret"), Access::kWrite)), 0);
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "ro-secret"), Access::kRead)), 0);
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "ro-secret"), Access::kWrite)), 403);
  // A prefix or an extension of a token is not the token.
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "rw-secre"), Access::kRead)), 401);
  EXPECT_EQ(status(auth.check(withHeader("x-access-token", "rw-secret2"), Access::kRead)), 401);
  EXPECT_EQ(status(auth.check(withHeader("", ""), Access::kOpen)), 0);
}

TEST(TokenAuth, BearerHeader) {
  TokenAuth auth({"rw-secret"}, {});
  EXPECT_EQ(status(auth.check(withHeader("authorization", "Bearer rw-secret"), Access::kWrite)), 0);
  EXPECT_EQ(status(auth.check(withHeader("authorization", "bearer  rw-secret "), Access::kWrite)),
            0);
  EXPECT_EQ(status(auth.check(withHeader("authorization", "Basic rw-secret"), Access::kRead)), 401);
}

TEST(TokenAuth, UnauthorizedCarriesChallenge) {
  TokenAuth auth({"t"}, {});
  auto r = auth.check(withHeader("", ""), Access::kRead);
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->headers.empty());
  EXPECT_EQ(r->headers[0].first, "WWW-Authenticate");
}

}  // namespace
}  // namespace ninevolt::api

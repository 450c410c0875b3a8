#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/request.h"
#include "api/router.h"

namespace ninevolt::api {

// API tokens: read-write (--access-tokens) and read-only (--read-tokens). A client sends one
// as `X-Access-Token: <t>` (the original's header) or `Authorization: Bearer <t>`. Tokens are
// compared in constant time (CRYPTO_memcmp over equal-length digests), so the answer time
// says nothing about how much of a token was right. With no token configured at all, the API
// is open (the original's default; the server logs a warning).
class TokenAuth {
 public:
  TokenAuth(const std::vector<std::string>& read_write, const std::vector<std::string>& read_only);

  bool enabled() const { return !read_write_.empty() || !read_only_.empty(); }

  // nullopt = allowed. 401 without a token or with an unknown one; 403 a read-only token on
  // a write route.
  std::optional<Response> check(const Request& request, Access access) const;

  // An Authorizer for Router::setAuthorizer (copies the token digests).
  Authorizer authorizer() const;

 private:
  using Digest = std::string;  // SHA-256 of a token
  static Digest digest(const std::string& token);
  static bool contains(const std::vector<Digest>& set, const Digest& d);

  std::vector<Digest> read_write_;
  std::vector<Digest> read_only_;
};

// Whether two secrets are equal, in a time that says nothing about how much of them matched
// or how long either is (SHA-256 of each, then CRYPTO_memcmp). For push tokens.
bool sameSecret(std::string_view a, std::string_view b);

// The token a request carries (X-Access-Token first, then Authorization: Bearer), or "".
std::string requestToken(const Request& request);

}  // namespace ninevolt::api

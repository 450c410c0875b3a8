#include "api/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "common/strings.h"

namespace ninevolt::api {

TokenAuth::TokenAuth(const std::vector<std::string>& read_write,
                     const std::vector<std::string>& read_only) {
  for (const auto& t : read_write) {
    if (!t.empty()) {
      read_write_.push_back(digest(t));
    }
  }
  for (const auto& t : read_only) {
    if (!t.empty()) {
      read_only_.push_back(digest(t));
    }
  }
}

TokenAuth::Digest TokenAuth::digest(const std::string& token) {
  // Hashing first gives equal lengths, so CRYPTO_memcmp's time depends on neither the
  // token's length nor its content.
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool TokenAuth::contains(const std::vector<Digest>& set, const Digest& d) {
  bool found = false;
  for (const auto& candidate : set) {  // no early exit: every token is compared
    found |= CRYPTO_memcmp(candidate.data(), d.data(), d.size()) == 0;
  }
  return found;
}

std::string requestToken(const Request& request) {
  if (const auto* t = request.header("x-access-token"); t != nullptr && !t->empty()) {
    return std::string(common::trim(*t));
  }
  if (const auto* a = request.header("authorization"); a != nullptr) {
    std::string_view v = common::trim(*a);
    constexpr std::string_view kBearer = "bearer ";
    if (v.size() > kBearer.size()) {
      std::string scheme(v.substr(0, kBearer.size()));
      for (auto& c : scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (scheme == kBearer) {
        return std::string(common::trim(v.substr(kBearer.size())));
      }
    }
  }
  return {};
}

std::optional<Response> TokenAuth::check(const Request& request, Access access) const {
  if (access == Access::kOpen || !enabled()) {
    return std::nullopt;
  }
  std::string token = requestToken(request);
  auto unauthorized = [](const std::string& message) {
    auto r = Response::error(401, message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"9volt\"");
    return r;
  };
  if (token.empty()) {
    return unauthorized("a token is required: send X-Access-Token or Authorization: Bearer");
  }
  Digest d = digest(token);
  if (contains(read_write_, d)) {
    return std::nullopt;
  }
  if (contains(read_only_, d)) {
    if (access == Access::kWrite) {
      return Response::error(403, "this token is read-only; the request needs a read-write token");
    }
    return std::nullopt;
  }
  return unauthorized("unknown token");
}

Authorizer TokenAuth::authorizer() const {
  return
      [auth = *this](const Request& request, Access access) { return auth.check(request, access); };
}

bool sameSecret(std::string_view a, std::string_view b) {
  auto digest = [](std::string_view s) {
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
           reinterpret_cast<unsigned char*>(out.data()));
    return out;
  };
  const std::string da = digest(a);
  const std::string db = digest(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace ninevolt::api

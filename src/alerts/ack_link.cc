#include "alerts/ack_link.h"

#include <array>
#include <charconv>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ninevolt::alerts {
namespace {

constexpr std::string_view kPurpose = "9volt ack link v1\n";
constexpr size_t kMaxTokenBytes = 4096;

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += fmt::format("{:02x}", c);
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (ec != std::errc() || end != text.data() + i + 2) {
      return std::nullopt;
    }
    out += static_cast<char>(value);
  }
  return out;
}

int64_t unixSeconds(common::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<AckLinks>> AckLinks::ofCluster(store::Store& store) {
  std::random_device device;  // the kernel's generator
  std::string candidate;
  for (int i = 0; i < 32; ++i) {
    candidate += fmt::format("{:02x}", device() & 0xff);
  }
  auto secret = store.clusterSecret("ack-link", candidate);
  if (!secret) {
    return tl::unexpected(secret.error());
  }
  return std::make_unique<AckLinks>(*secret);
}

std::string AckLinks::mac(std::string_view payload) const {
  std::string message(kPurpose);
  message += payload;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length);
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

std::string AckLinks::token(std::string_view check, std::string_view incident_id,
                            common::SystemTime expires) const {
  const std::string payload = fmt::format("{}\n{}\n{}", check, incident_id, unixSeconds(expires));
  return hex(payload) + "." + hex(mac(payload));
}

std::string AckLinks::link(std::string_view external_url, std::string_view check,
                           std::string_view incident_id, common::SystemTime now) const {
  std::string base(external_url);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  // Check names are [A-Za-z0-9._-]: nothing to escape in the path; the token is hex.
  return fmt::format("{}/api/v1/ack/{}?token={}", base, check,
                     token(check, incident_id, now + kLifetime));
}

Result<std::string> AckLinks::verify(std::string_view token, std::string_view check,
                                     common::SystemTime now) const {
  auto refused = [](std::string_view why) {
    return fail(Errc::kPermissionDenied, fmt::format("ack link refused: {}", why));
  };
  if (secret_.empty()) {
    return refused("this member has no cluster secret yet");
  }
  const size_t dot = token.find('.');
  if (token.size() > kMaxTokenBytes || dot == std::string_view::npos) {
    return refused("not an ack link token");
  }
  auto payload = unhex(token.substr(0, dot));
  auto given = unhex(token.substr(dot + 1));
  if (!payload || !given) {
    return refused("not an ack link token");
  }
  const std::string expected = mac(*payload);
  if (given->size() != expected.size()
      || CRYPTO_memcmp(given->data(), expected.data(), expected.size()) != 0) {
    return refused("the signature is not this cluster's (forged or altered)");
  }
  // Signed by us: the payload is as we wrote it.
  const size_t first = payload->find('\n');
  const size_t second = payload->find('\n', first + 1);
  if (first == std::string::npos || second == std::string::npos) {
    return refused("not an ack link token");
  }
  if (std::string_view(*payload).substr(0, first) != check) {
    return refused("it is for another check");
  }
  int64_t expires = 0;
  const std::string_view e = std::string_view(*payload).substr(second + 1);
  if (std::from_chars(e.data(), e.data() + e.size(), expires).ec != std::errc()) {
    return refused("not an ack link token");
  }
  if (unixSeconds(now) >= expires) {
    return refused("it has expired (links are good for 7 days)");
  }
  return payload->substr(first + 1, second - first - 1);
}

}  // namespace ninevolt::alerts

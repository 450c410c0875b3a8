#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace ninevolt::alerts {

// Signed acknowledgement links: an alert message carries one, and whoever has the message
// can acknowledge that incident (and only that one) without an API token, from a phone.
//
// token = hex("<check>\n<incident id>\n<expires, unix seconds>") "." hex(HMAC-SHA256(secret,
// "9volt ack link v1\n" + payload)). The secret is the cluster's (Store::clusterSecret, made
// on first start), so every member makes and checks the same links. The purpose string keeps
// the MAC from standing for anything else signed with the secret.
class AckLinks {
 public:
  static constexpr std::chrono::hours kLifetime{24 * 7};

  explicit AckLinks(std::string secret) : secret_(std::move(secret)) {}
  // The cluster's links: its key from etcd, made (32 random bytes, hex) by whoever asks
  // first. Every member reads the same key.
  static Result<std::unique_ptr<AckLinks>> ofCluster(store::Store& store);

  std::string token(std::string_view check, std::string_view incident_id,
                    common::SystemTime expires) const;
  // "<external url>/api/v1/ack/<check>?token=<token>", valid for kLifetime from `now`.
  std::string link(std::string_view external_url, std::string_view check,
                   std::string_view incident_id, common::SystemTime now) const;

  // The incident id a token acknowledges, if it is this secret's, for `check`, and not
  // expired at `now`. Errc::kPermissionDenied saying which of those it is not.
  Result<std::string> verify(std::string_view token, std::string_view check,
                             common::SystemTime now) const;

 private:
  std::string mac(std::string_view payload) const;
  std::string secret_;
};

}  // namespace ninevolt::alerts

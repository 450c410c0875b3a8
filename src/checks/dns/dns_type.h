#pragma once

// The dns type's own monitor fields (docs/configs.md, "dns"): what the config core reads for
// `type: dns` and the check gets as spec.options<DnsSpec>().

#include <memory>
#include <optional>
#include <string>

#include "config/check_type.h"

namespace re2 {
class RE2;
}

namespace ninevolt::checks::dns {

struct DnsSpec : config::TypeOptions {
  std::string host;  // the server to ask
  int port = 53;
  std::string expect = ".";  // RE2 syntax, matched against each answer record
  std::string dns_target;
  std::string dns_record_type = "A";
  std::optional<common::Nanos> dns_max_time;
  std::optional<int> dns_expected_count;
  // `expect`, compiled once when the config is read, never at run time.
  std::shared_ptr<const re2::RE2> expect_regex;
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::dns

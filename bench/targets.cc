#include "targets.h"

#include <charconv>
#include <sstream>

#include <arpa/inet.h>

namespace ninevolt::bench {
namespace {

std::vector<std::string> splitCommas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::stringstream in(item);
    std::string part;
    while (std::getline(in, part, ',')) {
      if (!part.empty()) {
        out.push_back(part);
      }
    }
  }
  return out;
}

bool isLoopback(const std::string& host) {
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) {
    return false;
  }
  return (ntohl(addr.s_addr) >> 24) == 127;
}

// "127.0.0.2:9000" -> host, port.
Result<Target> hostPort(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  Target t;
  if (colon == std::string::npos) {
    return fail(Errc::kInvalidArgument, what + " '" + text + "': want ADDRESS:PORT");
  }
  t.host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
  if (ec != std::errc() || end != port.data() + port.size() || t.port <= 0 || t.port > 65535) {
    return fail(Errc::kInvalidArgument, what + " '" + text + "': bad port");
  }
  if (!isLoopback(t.host)) {
    return fail(Errc::kInvalidArgument,
                what + " '" + text + "': only numeric 127.0.0.0/8 addresses are allowed");
  }
  return t;
}

}  // namespace

Result<std::vector<Target>> parseHttpTargets(const std::vector<std::string>& urls) {
  std::vector<Target> out;
  for (const auto& url : splitCommas(urls)) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) {
      return fail(Errc::kInvalidArgument, "http url '" + url + "': want http://ADDRESS:PORT/");
    }
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    auto t = hostPort(rest.substr(0, slash), "http url");
    if (!t) {
      return tl::unexpected(t.error());
    }
    t->path = slash == std::string::npos ? "/" : rest.substr(slash);
    out.push_back(*t);
  }
  return out;
}

Result<std::vector<Target>> parseTcpTargets(const std::vector<std::string>& targets) {
  std::vector<Target> out;
  for (const auto& text : splitCommas(targets)) {
    auto t = hostPort(text, "tcp target");
    if (!t) {
      return tl::unexpected(t.error());
    }
    out.push_back(*t);
  }
  return out;
}

}  // namespace ninevolt::bench

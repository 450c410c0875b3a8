#include "api/router.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/utf8.h"

namespace ninevolt::api {

namespace {

bool isParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool isWriteMethod(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

bool isJsonContentType(std::string_view value) {
  auto semi = value.find(';');
  std::string type(common::trim(value.substr(0, semi)));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == "application/json";
}

std::vector<std::string> Router::split(std::string_view path) {
  // Raw (still percent-encoded) segments; empty ones from "//" or a trailing "/" dropped.
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) {
      out.emplace_back(path.substr(start, end - start));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  Route r;
  r.method = method;
  r.segments = split(pattern);
  r.handler = std::move(handler);
  r.access =
      options.access.value_or(method == "GET" || method == "HEAD" ? Access::kRead : Access::kWrite);
  r.blocking = options.blocking;
  routes_.push_back(std::move(r));
}

std::optional<std::map<std::string, std::string>> Router::match(
    const Route& route, const std::vector<std::string>& segments, size_t& exact) {
  if (route.segments.size() != segments.size()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> params;
  exact = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& want = route.segments[i];
    if (isParam(want)) {
      params[want.substr(1, want.size() - 2)] = percentDecode(segments[i], false);
    } else if (want == percentDecode(segments[i], false)) {
      exact++;
    } else {
      return std::nullopt;
    }
  }
  return params;
}

Router::Resolved Router::resolve(Request& request) const {
  // Match on the raw path so an encoded '/' inside a name stays inside its segment.
  auto segments = split(request.raw_path.empty() ? request.path : request.raw_path);
  // The best path match per method: most literal segments wins.
  const Route* best = nullptr;
  size_t best_exact = 0;
  std::map<std::string, std::string> best_params;
  std::set<std::string> allowed;
  size_t path_best = 0;
  bool any = false;
  for (const auto& route : routes_) {
    size_t exact = 0;
    auto params = match(route, segments, exact);
    if (!params) {
      continue;
    }
    // Among patterns matching the path, only the most specific ones count (so that
    // "/monitor/{name}" does not make "/monitor/_x" allow its methods if a literal exists).
    if (!any || exact > path_best) {
      allowed.clear();
      best = nullptr;
      path_best = exact;
      any = true;
    } else if (exact < path_best) {
      continue;
    }
    allowed.insert(route.method);
    if (route.method == request.method && (best == nullptr || exact > best_exact)) {
      best = &route;
      best_exact = exact;
      best_params = std::move(*params);
    }
  }
  Resolved out;
  if (!any) {
    out.answer =
        Response::error(404, fmt::format("no route for {}", common::printable(request.path)));
    return out;
  }
  if (best == nullptr) {
    std::string allow;
    for (const auto& m : allowed) {
      allow += allow.empty() ? m : ", " + m;
    }
    auto r = Response::error(405, fmt::format("method {} not allowed on {} (allowed: {})",
                                              common::printable(request.method),
                                              common::printable(request.path), allow));
    r.headers.emplace_back("Allow", allow);
    out.answer = std::move(r);
    return out;
  }
  request.params = std::move(best_params);
  if (best->access != Access::kOpen && authorizer_) {
    if (auto denied = authorizer_(request, best->access)) {
      out.answer = std::move(denied);
      return out;
    }
  }
  if (isWriteMethod(request.method) && !request.body.empty()) {
    const std::string* type = request.header("content-type");
    if (type == nullptr || !isJsonContentType(*type)) {
      out.answer = Response::error(
          415,
          fmt::format("the body must be JSON (Content-Type: application/json), got {}",
                      type == nullptr ? "no Content-Type" : "'" + common::printable(*type) + "'"));
      return out;
    }
  }
  // Every query parameter is text: one that is not UTF-8 can match nothing and would only be
  // quoted back mangled, so it is refused here for every route, naming the parameter.
  config::Problems problems;
  for (const auto& [key, value] : request.query) {
    if (!common::validUtf8(key) || !common::validUtf8(value)) {
      problems.push_back({"", "query", common::printable(key),
                          fmt::format("'{}' is not valid UTF-8", common::printable(value))});
    }
  }
  if (!problems.empty()) {
    out.answer = Response::problems(400, problems);
    return out;
  }
  out.handler = &best->handler;
  out.blocking = best->blocking;
  return out;
}

Response Router::dispatch(Request request) const {
  auto resolved = resolve(request);
  if (resolved.answer) {
    return std::move(*resolved.answer);
  }
  return (*resolved.handler)(request);
}

}  // namespace ninevolt::api

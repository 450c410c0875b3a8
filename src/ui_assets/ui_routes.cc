#include "ui_assets/ui_routes.h"

#include <string>

#include "common/utf8.h"
#include "ui_assets/assets.h"

namespace ninevolt::ui_assets {
namespace {

// "gzip" among the codings of an Accept-Encoding header (not refused with q=0).
bool acceptsGzip(const api::Request& request) {
  const std::string* value = request.header("accept-encoding");
  if (value == nullptr) {
    return false;
  }
  size_t at = value->find("gzip");
  if (at == std::string::npos) {
    return false;
  }
  auto rest = value->substr(at + 4, value->find(',', at) - at - 4);
  return rest.find("q=0") == std::string::npos || rest.find("q=0.") != std::string::npos;
}

// True when an If-None-Match header lists `etag` (or is "*"); W/ prefixes are ignored (a
// weak comparison is what If-None-Match asks for).
bool notModified(const api::Request& request, std::string_view etag) {
  const std::string* value = request.header("if-none-match");
  if (value == nullptr) {
    return false;
  }
  return value->find(etag) != std::string::npos || *value == "*";
}

api::Response serve(const api::Request& request, const EmbeddedFile& file) {
  api::Response r;
  r.content_type = file.content_type;
  r.headers.emplace_back("ETag", file.etag);
  r.headers.emplace_back("Cache-Control",
                         file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (file.gzip != nullptr) {
    r.headers.emplace_back("Vary", "Accept-Encoding");
  }
  if (notModified(request, file.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  if (file.gzip != nullptr && acceptsGzip(request)) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = std::string(file.gzipped());
  } else {
    r.body = std::string(file.bytes());
  }
  return r;
}

api::Response notFound(const api::Request& request) {
  return api::Response::error(404, "no UI file " + common::printable(request.path));
}

}  // namespace

const EmbeddedFile* findFile(std::string_view path) {
  for (const auto& f : embeddedFiles()) {
    if (path == f.path) {
      return &f;
    }
  }
  return nullptr;
}

void addRoutes(api::Router& router) {
  const api::RouteOptions open{.access = api::Access::kOpen};
  // "/ui" and "/ui/" are one route (the router drops a trailing slash): the path tells them
  // apart. Relative URLs in index.html need the slash.
  router.get(
      "/ui",
      [](const api::Request& request) {
        if (request.path.empty() || request.path.back() != '/') {
          api::Response r = api::Response::text(301, "moved to ui/\n");
          r.headers.emplace_back("Location", "ui/");
          return r;
        }
        const EmbeddedFile* index = findFile("index.html");
        return index != nullptr ? serve(request, *index) : notFound(request);
      },
      open);
  auto file = [](const std::string& dir) {
    return [dir](const api::Request& request) {
      const EmbeddedFile* f = findFile(dir + request.param("file"));
      return f != nullptr ? serve(request, *f) : notFound(request);
    };
  };
  router.get("/ui/{file}", file(""), open);
  router.get("/ui/assets/{file}", file("assets/"), open);
}

}  // namespace ninevolt::ui_assets

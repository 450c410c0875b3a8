#pragma once

#include "api/router.h"

namespace ninevolt::ui_assets {

// Serves the embedded web UI (open access: the page holds no data, its API calls carry the
// token):
//   GET /ui             -> 301 to "ui/" (relative, so a path prefix in front is kept)
//   GET /ui/            -> index.html, Cache-Control: no-cache (revalidated every time)
//   GET /ui/<file>      -> that file; content-hashed names (assets/x-1a2b3c4d.js) are
//                          cacheable for a year (immutable)
// with ETag / If-None-Match (304) and a gzip copy for clients that accept it. Handlers only
// read static data: they run on the HTTP loop (not `blocking`).
void addRoutes(api::Router& router);

}  // namespace ninevolt::ui_assets

// The UI table when the build was configured with -DNINEVOLT_UI=OFF (no Node.js): one page
// saying so. The API is unaffected.
#include <array>
#include <string_view>

#include "ui_assets/assets.h"

namespace ninevolt::ui_assets {
namespace {

constexpr std::string_view kIndex =
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>9volt</title>"
    "<p>This 9volt was built without its web UI (-DNINEVOLT_UI=OFF). The REST API is at "
    "<a href=\"../api/v1/state\">../api/v1/</a> (docs/api.md).</p></html>\n";

const std::array<EmbeddedFile, 1> kFiles{{
    {"index.html", "text/html; charset=utf-8", "\"placeholder-1\"",
     reinterpret_cast<const unsigned char*>(kIndex.data()), kIndex.size(), nullptr, 0, false},
}};

}  // namespace

std::span<const EmbeddedFile> embeddedFiles() {
  return kFiles;
}

}  // namespace ninevolt::ui_assets

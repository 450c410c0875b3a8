// The UI table when the build was configured with -DNINEVOLT_UI=OFF (no Node.js): one page
// saying so. The API is unaffected.
#include "ui_assets/assets.h"

namespace ninevolt::ui_assets {
namespace {

constexpr char kIndex[] =
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>9volt</title>"
    "<p>This 9volt was built without its web UI (-DNINEVOLT_UI=OFF). The REST API is at "
    "<a href=\"../api/v1/state\">../api/v1/</a> (docs/api.md).</p></html>\n";

const EmbeddedFile kFiles[] = {
    {"index.html", "text/html; charset=utf-8", "\"placeholder-1\"",
     reinterpret_cast<const unsigned char*>(kIndex), sizeof kIndex - 1, nullptr, 0, false},
};

}  // namespace

std::span<const EmbeddedFile> embeddedFiles() {
  return kFiles;
}

}  // namespace ninevolt::ui_assets

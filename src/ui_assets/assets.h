#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace ninevolt::ui_assets {

// One file of the web UI's build, compiled into the binary (ui/scripts/embed.mjs writes the
// table at build time from the vite build of ui/). Immutable static data: any thread may read
// it.
struct EmbeddedFile {
  const char* path;          // under /ui/: "index.html", "assets/index-1a2b3c4d.js"
  const char* content_type;  // "text/javascript; charset=utf-8"
  const char* etag;          // quoted strong validator: a hash of the bytes
  const unsigned char* data;
  size_t size;
  const unsigned char* gzip;  // the same bytes gzipped, or nullptr (not worth it)
  size_t gzip_size;
  bool immutable;  // the name carries a content hash: cacheable for a year

  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
  std::string_view gzipped() const { return {reinterpret_cast<const char*>(gzip), gzip_size}; }
};

// Every embedded file (generated source).
std::span<const EmbeddedFile> embeddedFiles();

// The file at `path` (relative to /ui/), or nullptr.
const EmbeddedFile* findFile(std::string_view path);

}  // namespace ninevolt::ui_assets

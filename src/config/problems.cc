#include "config/problems.h"

namespace ninevolt::config {

std::string Problem::toString() const {
  // Each part narrows the location; empty parts are left out so a document-level problem
  // reads "file.yaml: unknown top-level key ..." with no dangling separators.
  std::string out;
  for (const std::string* part : {&source, &object, &field}) {
    if (!part->empty()) {
      out += *part;
      out += ": ";
    }
  }
  out += message;
  return out;
}

}  // namespace ninevolt::config

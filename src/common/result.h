#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace ninevolt {

// An expected failure (I/O, parsing, etcd): a code for callers that branch on it and
// a message for humans. Exceptions never cross a component interface; this does.
enum class Errc {
  kInvalidArgument,  // the input is wrong; retrying will not help
  kNotFound,
  kUnavailable,  // a peer (etcd, a target) cannot be reached right now
  kDeadlineExceeded,
  kUnauthenticated,
  kPermissionDenied,
  kConflict,   // a compare-and-swap lost (txn compare failed)
  kCompacted,  // requested revision was compacted
  kCancelled,
  kInternal,
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;

  Error() = default;
  Error(Errc c, std::string m) : code(c), message(std::move(m)) {}
};

const char* errcName(Errc code);

template <typename T>
using Result = tl::expected<T, Error>;

// Builds the unexpected value: `return fail(Errc::kNotFound, "no such key");`
inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace ninevolt

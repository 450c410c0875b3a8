#include "common/result.h"

namespace ninevolt {

const char* errcName(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kNotFound:
      return "not found";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kDeadlineExceeded:
      return "deadline exceeded";
    case Errc::kUnauthenticated:
      return "unauthenticated";
    case Errc::kPermissionDenied:
      return "permission denied";
    case Errc::kConflict:
      return "conflict";
    case Errc::kCompacted:
      return "compacted";
    case Errc::kCancelled:
      return "cancelled";
    case Errc::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace ninevolt

#pragma once

#include <string>
#include <string_view>

#include "alerts/transport/http_client.h"
#include "common/result.h"

namespace ninevolt::alerts::transport {

// A receiver's HTTP answer as a delivery outcome: 2xx is delivered; 408, 425, 429 and 5xx
// are worth retrying (kUnavailable); any other status is refused for good
// (kInvalidArgument: a wrong key, URL or payload does not get better by retrying). The
// message is "<what>: HTTP <status>[, retry after <s>]: <body excerpt>".
Result<void> judgeHttpStatus(const HttpResponse& response, std::string_view what);

// The start of a reply body for an error message: one line, at most `max` characters.
std::string excerpt(std::string_view body, size_t max = 200);

}  // namespace ninevolt::alerts::transport

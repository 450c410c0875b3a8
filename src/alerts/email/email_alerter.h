#pragma once

#include <memory>

#include "alerts/alerter.h"

namespace ninevolt::alerts::email {

// `type: email`: one SMTP session per notification to `address` (libcurl), the message of
// email_message.h to every address of `to`. TLS as `tls` says (starttls: required when
// credentials are set, else used when offered; implicit: smtps; none), AUTH with the
// `auth` mechanism (plain, login, md5 = CRAM-MD5; the best offered when unset). From main:
// registry.add("email", makeEmailAlerterFactory()).
std::unique_ptr<AlerterFactory> makeEmailAlerterFactory();

}  // namespace ninevolt::alerts::email

#pragma once

#include <string>

#include "support/temp_dir.h"

namespace ninevolt::testing {

// Certificates made with the openssl CLI in a temp dir: a CA and server certs it signed.
struct TestCerts {
  struct Pair {
    std::string cert;
    std::string key;
  };
  std::string ca;        // the CA certificate (PEM), for a check's ca_file option
  std::string other_ca;  // a CA that signed none of these
  Pair valid;            // 127.0.0.1 + localhost, 30 days
  Pair expired;          // 127.0.0.1 + localhost, expired yesterday
  Pair soon;             // 127.0.0.1 + localhost, expires in 3 days
  Pair wrong_host;       // only wrong.example.com
  Pair self_signed;      // 127.0.0.1 + localhost, 30 days, signed by itself

  // Throws std::runtime_error naming the command that failed.
  static TestCerts make(const ninevolt::testing::TempDir& dir);
};

}  // namespace ninevolt::testing

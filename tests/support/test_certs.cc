#include "support/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace ninevolt::testing {

namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("failed: " + command);
  }
}

constexpr const char* kNewKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

TestCerts::Pair issue(const std::string& dir, const std::string& name, const std::string& san,
                      int days) {
  TestCerts::Pair pair{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
  const std::string csr = dir + "/" + name + ".csr";
  const std::string ext = dir + "/" + name + ".ext";
  std::ofstream(ext) << "subjectAltName=" << san << "\n";
  run(std::string("openssl req -new ") + kNewKey + " -keyout " + pair.key + " -out " + csr
      + " -subj /CN=" + name);
  // -days -1 gives a certificate that expired a day ago.
  run("openssl x509 -req -in " + csr + " -CA " + dir + "/ca.pem -CAkey " + dir
      + "/ca.key -CAcreateserial -out " + pair.cert + " -days " + std::to_string(days)
      + " -extfile " + ext);
  return pair;
}

}  // namespace

TestCerts TestCerts::make(const ninevolt::testing::TempDir& temp) {
  const std::string dir = temp.str();
  TestCerts certs;
  certs.ca = dir + "/ca.pem";
  run(std::string("openssl req -x509 ") + kNewKey + " -keyout " + dir + "/ca.key -out " + certs.ca
      + " -days 30 -subj /CN=9volt-test-ca");
  certs.other_ca = dir + "/other-ca.pem";
  run(std::string("openssl req -x509 ") + kNewKey + " -keyout " + dir + "/other-ca.key -out "
      + certs.other_ca + " -days 30 -subj /CN=9volt-other-ca");
  const std::string local = "IP:127.0.0.1,DNS:localhost";
  certs.valid = issue(dir, "valid", local, 30);
  certs.expired = issue(dir, "expired", local, -1);
  certs.soon = issue(dir, "soon", local, 3);
  certs.wrong_host = issue(dir, "wrong", "DNS:wrong.example.com", 30);
  certs.self_signed = {dir + "/self.pem", dir + "/self.key"};
  run(std::string("openssl req -x509 ") + kNewKey + " -keyout " + certs.self_signed.key + " -out "
      + certs.self_signed.cert + " -days 30 -subj /CN=self -addext subjectAltName=" + local);
  return certs;
}

}  // namespace ninevolt::testing

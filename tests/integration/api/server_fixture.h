#pragma once

// A `9volt server` on the test's own etcd with the tokens apitest::kReadWrite and kReadOnly
// carry (`-a rw-token --read-tokens ro-token`), ready when SetUp returns; stopped (by its pid)
// with the test.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/api/api_client.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt::apitest {

class ServerTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    port_ = ninevolt::testing::freePort();
    server_ = std::make_unique<ninevolt::testing::Process>(
        std::vector<std::string>{NINEVOLT_BINARY, "server", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "-e", etcd_->endpoint(),
                                 "-a", "rw-token", "--read-tokens", "ro-token"},
        std::map<std::string, std::string>{}, (dir_->path() / "server.log").string());
    ASSERT_TRUE(ninevolt::testing::eventually(
        [&] { return call("GET", "/status/check").status == 200; }, std::chrono::seconds(60)))
        << server_->output();
  }
  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = kReadWrite) {
    return apitest::call(port_, method, target, body, headers);
  }

  uint16_t port_ = 0;
  std::unique_ptr<ninevolt::testing::Process> server_;
};

}  // namespace ninevolt::apitest

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "etcd/client.h"
#include "etcd/embedded_etcd.h"
#include "support/temp_dir.h"

namespace ninevolt::testing {

// A real etcd (Debian's etcd-server) per test: free loopback ports, a temp data dir,
// stopped by pid when the test ends. Never a mock.
class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts etcd (again) with extra flags; used by tests that need auth/TLS settings.
  void startEtcd(std::vector<std::string> extra_args = {});
  std::shared_ptr<etcd::Client> newClient(etcd::ClientOptions options = {});

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<etcd::EmbeddedEtcd> etcd_;
  std::shared_ptr<etcd::Client> client_;
};

// Polls cond every few ms until it is true or the deadline passes; returns the last value.
// The deadline is multiplied by the build's slowdown (support/slowdown.h: 1, ASan 3, TSan 5).
bool eventually(const std::function<bool()>& cond,
                std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace ninevolt::testing

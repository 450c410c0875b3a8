#include "support/etcd_fixture.h"

#include <thread>

#include "support/slowdown.h"

namespace ninevolt::testing {

void EtcdTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  startEtcd();
}

void EtcdTest::TearDown() {
  client_.reset();
  if (etcd_) {
    (void)etcd_->stop();
    etcd_.reset();
  }
  dir_.reset();
}

void EtcdTest::startEtcd(std::vector<std::string> extra_args) {
  client_.reset();
  if (etcd_) {
    (void)etcd_->stop();
  }
  etcd::EmbeddedEtcd::Options options;
  options.data_dir = (dir_->path() / "etcd").string();
  options.extra_args = std::move(extra_args);
  auto started = etcd::EmbeddedEtcd::start(options);
  ASSERT_TRUE(started) << started.error().message;
  etcd_ = std::move(*started);
  client_ = newClient();
  ASSERT_TRUE(client_);
}

std::shared_ptr<etcd::Client> EtcdTest::newClient(etcd::ClientOptions options) {
  if (options.endpoints.empty()) {
    options.endpoints = {etcd_->endpoint()};
  }
  auto client = etcd::Client::create(options);
  EXPECT_TRUE(client) << client.error().message;
  return client ? *client : nullptr;
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + slow(deadline);
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

}  // namespace ninevolt::testing

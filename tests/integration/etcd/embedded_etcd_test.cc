#include "etcd/embedded_etcd.h"

#include <cerrno>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "etcd/client.h"
#include "support/etcd_fixture.h"
#include "support/temp_dir.h"

namespace ninevolt::etcd {
namespace {

using testing::EtcdTest;
using testing::TempDir;

// The pid is gone (not even a zombie: kill() on a reaped pid fails with ESRCH).
bool gone(pid_t pid) {
  return kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(EmbeddedEtcdTest, StartStopLeavesNoProcess) {
  TempDir dir;
  pid_t pid = -1;
  {
    auto etcd = EmbeddedEtcd::start({.data_dir = dir.str() + "/etcd"});
    ASSERT_TRUE(etcd) << etcd.error().message;
    pid = (*etcd)->pid();
    EXPECT_GT(pid, 0);
    EXPECT_EQ((*etcd)->endpoint().rfind("http://127.0.0.1:", 0), 0u);
    auto client = Client::create({.endpoints = {(*etcd)->endpoint()}});
    ASSERT_TRUE(client);
    ASSERT_TRUE((*client)->put("/k", "v"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "etcd" / "etcd.log"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "etcd" / "member"));
  }  // destructor stops it
  EXPECT_TRUE(gone(pid));
}

TEST(EmbeddedEtcdTest, EarlyExitReportsLogLines) {
  TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto etcd = EmbeddedEtcd::start(
      {.data_dir = dir.str() + "/etcd", .extra_args = {"--no-such-flag-for-etcd"}});
  ASSERT_FALSE(etcd);
  EXPECT_NE(etcd.error().message.find("no-such-flag-for-etcd"), std::string::npos)
      << etcd.error().message;
  EXPECT_NE(etcd.error().message.find("exited"), std::string::npos) << etcd.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  auto missing = EmbeddedEtcd::start({.data_dir = dir.str() + "/e2", .binary = "no-such-etcd"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

TEST(EmbeddedEtcdTest, TwoInstancesGetDifferentPorts) {
  TempDir dir;
  auto a = EmbeddedEtcd::start({.data_dir = dir.str() + "/a"});
  auto b = EmbeddedEtcd::start({.data_dir = dir.str() + "/b"});
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_NE((*a)->endpoint(), (*b)->endpoint());
}

class EmbeddedEtcdRestartTest : public EtcdTest {};

TEST_F(EmbeddedEtcdRestartTest, Kill9ThenRestartKeepsDataAndEndpoint) {
  ASSERT_TRUE(client_->put("/survives", "yes"));
  std::string endpoint = etcd_->endpoint();
  pid_t old_pid = etcd_->pid();
  etcd_->kill9();
  EXPECT_TRUE(gone(old_pid));
  auto down = client_->range("/survives");
  EXPECT_FALSE(down);
  ASSERT_TRUE(etcd_->restart());
  EXPECT_EQ(etcd_->endpoint(), endpoint);
  EXPECT_NE(etcd_->pid(), old_pid);
  auto got = client_->range("/survives");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].value, "yes");
  ASSERT_TRUE(etcd_->stop());
  ASSERT_TRUE(etcd_->stop());  // idempotent
}

}  // namespace
}  // namespace ninevolt::etcd

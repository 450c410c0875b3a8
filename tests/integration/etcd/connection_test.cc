// Endpoints, failover, deadlines, auth and TLS.

#include <cstdlib>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "etcd/client.h"
#include "etcd/embedded_etcd.h"
#include "etcd/watcher.h"
#include "support/etcd_fixture.h"
#include "watch_recorder.h"

namespace ninevolt::etcd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::EtcdTest;
using testing::TempDir;

class ConnectionTest : public EtcdTest {};

// A loopback port nobody listens on (bound and released: connecting is refused).
uint16_t deadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs etcdctl against endpoint; true on exit status 0.
bool etcdctl(const std::string& endpoint, const std::string& args) {
  std::string cmd = "ETCDCTL_API=3 etcdctl --dial-timeout=5s --endpoints=" + endpoint + " " + args
                    + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(ClientOptionsTest, InvalidOptionsAreReportedByCreate) {
  auto none = Client::create({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kInvalidArgument);

  for (std::string bad : {"http://", "127.0.0.1", "ftp://127.0.0.1:2379", "host:port",
                          "http://127.0.0.1:2379/path"}) {
    auto client = Client::create({.endpoints = {bad}});
    ASSERT_FALSE(client) << bad;
    EXPECT_EQ(client.error().code, Errc::kInvalidArgument);
    EXPECT_NE(client.error().message.find(bad), std::string::npos) << client.error().message;
  }

  auto missing_ca = Client::create(
      {.endpoints = {"https://127.0.0.1:2379"}, .tls = {.ca_file = "/nonexistent/ca.pem"}});
  ASSERT_FALSE(missing_ca);
  EXPECT_EQ(missing_ca.error().code, Errc::kInvalidArgument);
  EXPECT_NE(missing_ca.error().message.find("/nonexistent/ca.pem"), std::string::npos);

  auto cert_only = Client::create(
      {.endpoints = {"https://127.0.0.1:2379"}, .tls = {.cert_file = "/tmp/cert.pem"}});
  ASSERT_FALSE(cert_only);
  EXPECT_EQ(cert_only.error().code, Errc::kInvalidArgument);

  auto ok = Client::create({.endpoints = {"127.0.0.1:2379", "http://localhost:2380/"}});
  EXPECT_TRUE(ok);
}

TEST_F(ConnectionTest, CallAgainstStoppedEtcdFailsWithinDeadline) {
  auto client = newClient({.call_timeout = milliseconds(1000)});
  ASSERT_TRUE(client->put("/x", "1"));
  ASSERT_TRUE(etcd_->stop());
  auto started = std::chrono::steady_clock::now();
  auto res = client->put("/9volt/x", "2");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().code == Errc::kUnavailable || res.error().code == Errc::kDeadlineExceeded)
      << res.error().message;
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_NE(res.error().message.find("etcd put /9volt/x at " + etcd_->endpoint()),
            std::string::npos)
      << res.error().message;

  // Never-started endpoint, fresh client: same bounded failure.
  auto dead = newClient({.endpoints = {"127.0.0.1:" + std::to_string(deadPort())},
                         .call_timeout = milliseconds(500)});
  started = std::chrono::steady_clock::now();
  auto status = dead->status();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kUnavailable) << status.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2500));
}

TEST_F(ConnectionTest, RecoversQuicklyAfterRestart) {
  auto client = newClient({.call_timeout = milliseconds(5000)});
  ASSERT_TRUE(client->put("/r", "1"));
  ASSERT_TRUE(etcd_->restart());
  auto started = std::chrono::steady_clock::now();
  auto res = client->put("/r", "2");
  ASSERT_TRUE(res) << res.error().message;
  // NOTES pitfall 3: wait_for_ready + capped backoff = back well within a second or two.
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2500));
}

TEST_F(ConnectionTest, FailsOverFromDeadFirstEndpoint) {
  std::string dead = "http://127.0.0.1:" + std::to_string(deadPort());
  auto client =
      newClient({.endpoints = {dead, etcd_->endpoint()}, .call_timeout = milliseconds(3000)});
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto res = client->put("/fo/" + std::to_string(i), "x");
    ASSERT_TRUE(res) << res.error().message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));

  // Streams fail over too.
  WatchRecorder rec;
  Watcher watcher(client, {.key = "/fo/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(client->put("/fo/w", "y"));
  ASSERT_TRUE(rec.waitForEvents(1));

  // Every endpoint dead: an error naming them, within the deadline.
  auto all_dead = newClient({.endpoints = {dead, "127.0.0.1:" + std::to_string(deadPort())},
                             .call_timeout = milliseconds(500)});
  started = std::chrono::steady_clock::now();
  auto res = all_dead->range("/fo/");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kUnavailable) << res.error().message;
  EXPECT_NE(res.error().message.find(dead), std::string::npos) << res.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2500));
}

TEST_F(ConnectionTest, AuthWithPasswordToken) {
  const std::string ep = etcd_->endpoint();
  ASSERT_TRUE(etcdctl(ep, "user add root:pw"));
  ASSERT_TRUE(etcdctl(ep, "user grant-role root root"));
  ASSERT_TRUE(etcdctl(ep, "auth enable"));

  auto good = newClient({.username = "root", .password = "pw"});
  auto put = good->put("/auth/k", "v");
  ASSERT_TRUE(put) << put.error().message;
  auto got = good->range("/auth/k");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->kvs.size(), 1u);

  // Streams carry the token too.
  WatchRecorder rec;
  Watcher watcher(good, {.key = "/auth/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(good->put("/auth/k2", "v2"));
  ASSERT_TRUE(rec.waitForEvents(1));

  auto wrong = newClient({.username = "root", .password = "nope"});
  auto denied = wrong->range("/auth/k");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, Errc::kUnauthenticated) << denied.error().message;

  auto anonymous = newClient();
  auto refused = anonymous->put("/auth/k", "x");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kUnauthenticated) << refused.error().message;

  // etcd's simple tokens die with the server: the client re-authenticates by itself.
  ASSERT_TRUE(etcd_->restart());
  auto after = good->put("/auth/k", "after restart");
  ASSERT_TRUE(after) << after.error().message;
}

// Writes a CA, a server certificate for 127.0.0.1 and a client certificate with openssl.
bool makeCertificates(const TempDir& dir) {
  std::string d = dir.str();
  std::string cmd =
      "cd " + d + " && (" +
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
      "-keyout ca.key -out ca.pem && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout server.key -out server.csr && "
      "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > "
      "server.ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile server.ext -out server.pem && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=root -keyout client.key -out client.csr && "
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext && "
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile client.ext -out client.pem) >openssl.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(TlsTest, MutualTlsOverHttpsEndpoint) {
  TempDir dir;
  ASSERT_TRUE(makeCertificates(dir)) << "openssl failed, see " << dir.str() << "/openssl.log";
  std::string d = dir.str() + "/";
  EmbeddedEtcd::Options options;
  options.data_dir = d + "etcd";
  options.tls = {.cert_file = d + "server.pem",
                 .key_file = d + "server.key",
                 .trusted_ca_file = d + "ca.pem",
                 .client_cert_file = d + "client.pem",
                 .client_key_file = d + "client.key"};
  auto etcd = EmbeddedEtcd::start(options);
  ASSERT_TRUE(etcd) << etcd.error().message;
  EXPECT_EQ((*etcd)->endpoint().rfind("https://", 0), 0u);

  auto client = Client::create(
      {.endpoints = {(*etcd)->endpoint()},
       .tls = {
           .ca_file = d + "ca.pem", .cert_file = d + "client.pem", .key_file = d + "client.key"}});
  ASSERT_TRUE(client) << client.error().message;
  auto put = (*client)->put("/tls/k", "v");
  ASSERT_TRUE(put) << put.error().message;
  auto got = (*client)->range("/tls/k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kvs.at(0).value, "v");

  // Without a client certificate the server refuses the handshake.
  auto no_cert = Client::create({.endpoints = {(*etcd)->endpoint()},
                                 .tls = {.ca_file = d + "ca.pem"},
                                 .call_timeout = milliseconds(1000)});
  ASSERT_TRUE(no_cert);
  EXPECT_FALSE((*no_cert)->range("/tls/k"));

  // Plain text against the TLS port fails too (within the deadline).
  std::string plain = "http://" + (*etcd)->endpoint().substr(8);
  auto insecure = Client::create({.endpoints = {plain}, .call_timeout = milliseconds(1000)});
  ASSERT_TRUE(insecure);
  EXPECT_FALSE((*insecure)->range("/tls/k"));
  client->reset();
  ASSERT_TRUE((*etcd)->stop());
}

}  // namespace
}  // namespace ninevolt::etcd

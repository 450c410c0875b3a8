// The grpc check against gRPC servers on 127.0.0.1 started here: SERVING, NOT_SERVING, an
// unknown service, a slow answer, no Health service, TLS (trusted, self-signed), metadata;
// and the type's config rules.
#include "checks/grpc/grpc_check.h"

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/grpc/grpc_type.h"
#include "config/spec.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "integration/checks/check_harness.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
namespace health = ::grpc::health::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;
using ninevolt::testing::TestCerts;

config::MonitorSpec grpcSpec(uint16_t port,
                             const nlohmann::json& fields = nlohmann::json::object()) {
  return checks::testing::specOf(
      {{"type", "grpc"}, {"host", "127.0.0.1"}, {"port", port}, {"interval", "10s"}}, fields);
}

std::vector<std::string> problemsOf(const nlohmann::json& fields) {
  return checks::testing::problemsOf(
      {{"type", "grpc"}, {"host", "h"}, {"port", 1}, {"interval", "10s"}}, fields);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A Health service whose answers the test sets: status per service (absent = NOT_FOUND),
// a delay, and the metadata of the last call.
class TestHealth final : public health::Health::Service {
 public:
  ::grpc::Status Check(::grpc::ServerContext* context, const health::HealthCheckRequest* request,
                       health::HealthCheckResponse* response) override {
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(mutex_);
    last_metadata_.clear();
    for (const auto& [k, v] : context->client_metadata()) {
      last_metadata_[std::string(k.data(), k.size())] = std::string(v.data(), v.size());
    }
    auto it = statuses.find(request->service());
    if (it == statuses.end()) {
      return {::grpc::StatusCode::NOT_FOUND, "unknown service"};
    }
    response->set_status(it->second);
    return ::grpc::Status::OK;
  }
  std::map<std::string, std::string> lastMetadata() {
    std::lock_guard lock(mutex_);
    return last_metadata_;
  }

  std::map<std::string, health::HealthCheckResponse::ServingStatus> statuses{
      {"", health::HealthCheckResponse::SERVING}};
  std::chrono::milliseconds delay{0};

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> last_metadata_;
};

class TestServer {
 public:
  explicit TestServer(TestHealth* service, const TestCerts::Pair* cert = nullptr) {
    ::grpc::ServerBuilder builder;
    std::shared_ptr<::grpc::ServerCredentials> creds = ::grpc::InsecureServerCredentials();
    if (cert != nullptr) {
      ::grpc::SslServerCredentialsOptions o;
      o.pem_key_cert_pairs.push_back({readFile(cert->key), readFile(cert->cert)});
      creds = ::grpc::SslServerCredentials(o);
    }
    builder.AddListeningPort("127.0.0.1:0", creds, &port_);
    if (service != nullptr) {
      builder.RegisterService(service);
    } else {
      // A server must serve something: gRPC's generic service answers every method with
      // UNIMPLEMENTED.
      builder.RegisterCallbackGenericService(&generic_);
    }
    server_ = builder.BuildAndStart();
    if (!server_) {
      throw std::runtime_error("the test gRPC server did not start");
    }
  }
  ~TestServer() { server_->Shutdown(std::chrono::system_clock::now() + seconds(1)); }
  uint16_t port() const { return static_cast<uint16_t>(port_); }

 private:
  int port_ = 0;
  ::grpc::CallbackGenericService generic_;
  std::unique_ptr<::grpc::Server> server_;
};

class GrpcCheckTest : public checks::testing::CheckTestWithCerts {
 protected:
  CheckResult run(const config::MonitorSpec& spec) { return runner_.run(*factory_, spec); }

  std::unique_ptr<CheckFactory> factory_ = grpc::makeGrpcCheckFactory(
      grpc::GrpcOptions{.ca_file = certs_->ca, .user_agent = "9volt-test"});
};

TEST_F(GrpcCheckTest, ServingIsOkAndMetadataIsSent) {
  TestHealth health;
  TestServer server(&health);
  auto r = run(grpcSpec(server.port(), {{"metadata", {{"authorization", "Bearer t"}}}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, fmt::format("the server at grpc://127.0.0.1:{} is SERVING", server.port()));
  auto md = health.lastMetadata();
  EXPECT_EQ(md["authorization"], "Bearer t");
  EXPECT_THAT(md["user-agent"], HasSubstr("9volt-test"));
}

TEST_F(GrpcCheckTest, NotServingAndUnknownServicesAreCritical) {
  TestHealth health;
  health.statuses["db"] = health::HealthCheckResponse::NOT_SERVING;
  TestServer server(&health);
  auto down = run(grpcSpec(server.port(), {{"service", "db"}}));
  EXPECT_EQ(down.status, Status::kCritical);
  EXPECT_EQ(down.failure, Failure::kProtocol);
  EXPECT_EQ(down.message,
            fmt::format("service 'db' at grpc://127.0.0.1:{} is NOT_SERVING", server.port()));
  auto unknown = run(grpcSpec(server.port(), {{"service", "nope"}}));
  EXPECT_EQ(unknown.status, Status::kCritical);
  EXPECT_EQ(unknown.message, fmt::format("service 'nope' is unknown to grpc://127.0.0.1:{} "
                                         "(NOT_FOUND: unknown service)",
                                         server.port()));
}

TEST_F(GrpcCheckTest, ASlowAnswerIsATimeout) {
  TestHealth health;
  health.delay = milliseconds(1500);
  TestServer server(&health);
  auto r = run(grpcSpec(server.port(), {{"timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_EQ(r.message,
            fmt::format("no answer from grpc://127.0.0.1:{} within 300ms", server.port()));
}

TEST_F(GrpcCheckTest, NoHealthServiceIsUnimplemented) {
  TestServer server(nullptr);
  auto r = run(grpcSpec(server.port()));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, fmt::format("grpc://127.0.0.1:{} has no grpc.health.v1.Health service "
                                   "(UNIMPLEMENTED)",
                                   server.port()));
}

TEST_F(GrpcCheckTest, AClosedPortIsUnavailable) {
  uint16_t port = 0;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto r = run(grpcSpec(port, {{"timeout", "5s"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kConnect);
  EXPECT_THAT(r.message, StartsWith(fmt::format("grpc://127.0.0.1:{} is unavailable: ", port)));
}

TEST_F(GrpcCheckTest, TlsTrustedSelfSignedAndUnverified) {
  TestHealth health;
  TestServer trusted(&health, &certs_->valid);
  auto ok = run(grpcSpec(trusted.port(), {{"ssl", true}}));
  EXPECT_EQ(ok.status, Status::kOk) << ok.message;
  EXPECT_THAT(ok.message, HasSubstr("grpcs://127.0.0.1:"));

  TestServer self_signed(&health, &certs_->self_signed);
  auto bad = run(grpcSpec(self_signed.port(), {{"ssl", true}, {"timeout", "5s"}}));
  EXPECT_EQ(bad.status, Status::kCritical);
  EXPECT_EQ(bad.failure, Failure::kConnect);
  auto unverified = run(grpcSpec(self_signed.port(), {{"ssl", true}, {"tls-verify", false}}));
  EXPECT_EQ(unverified.status, Status::kOk) << unverified.message;

  TestServer wrong(&health, &certs_->wrong_host);
  auto named = run(grpcSpec(wrong.port(), {{"ssl", true}, {"server-name", "wrong.example.com"}}));
  EXPECT_EQ(named.status, Status::kOk) << named.message;
}

TEST_F(GrpcCheckTest, CancelNeverReports) {
  TestHealth health;
  health.delay = milliseconds(300);
  TestServer server(&health);
  bool called = false;
  {
    auto check = factory_->create(grpcSpec(server.port()), io_);
    check->start([&](CheckResult) { called = true; });
    io_.run_for(milliseconds(50));
    check->cancel();
  }
  io_.restart();
  io_.run_for(milliseconds(600));
  EXPECT_FALSE(called);
}

TEST(GrpcConfig, Rules) {
  EXPECT_THAT(problemsOf({{"metadata", {{"Authorization", "x"}}}}),
              ::testing::ElementsAre(HasSubstr("metadata key 'Authorization' may hold only")));
  EXPECT_THAT(problemsOf({{"metadata", {{"grpc-timeout", "1"}}}}),
              ::testing::ElementsAre(HasSubstr("is reserved by gRPC")));
  EXPECT_THAT(problemsOf({{"server-name", "x"}}),
              ::testing::ElementsAre("monitor 't': server-name: only applies when ssl is true"));
  auto spec = grpcSpec(50051, {{"service", "db"}, {"ssl", true}});
  EXPECT_EQ(spec.type->target(spec), "grpcs://127.0.0.1:50051 service 'db'");
}

}  // namespace
}  // namespace ninevolt::checks

#include "checks/grpc/grpc_check.h"

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "checks/grpc/grpc_type.h"
#include "checks/loop_link.h"
#include "checks/per_run_check.h"
#include "checks/run_support.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace ninevolt::checks::grpc {
namespace {

namespace asio = boost::asio;
namespace health = ::grpc::health::v1;

// What a grpc run reads of its monitor: kept while the check is owned.
struct GrpcSettings {
  GrpcSettings(const config::MonitorSpec& spec, std::shared_ptr<::grpc::ChannelCredentials> c,
               std::string agent)
      : name(spec.name),
        timeout(spec.timeout),
        credentials(std::move(c)),
        user_agent(std::move(agent)) {
    const auto& g = spec.options<GrpcSpec>();
    const bool v6 = g.host.find(':') != std::string::npos;
    target = fmt::format("{}:{}", v6 ? "[" + g.host + "]" : g.host, g.port);
    service = g.service;
    server_name = g.server_name;
    metadata.assign(g.metadata.begin(), g.metadata.end());
    label = fmt::format("grpc{}://{}", g.ssl ? "s" : "", target);
  }
  std::string name;
  common::Nanos timeout;
  std::shared_ptr<::grpc::ChannelCredentials> credentials;
  std::string user_agent;
  std::string target;  // "127.0.0.1:50051"
  std::string label;
  std::string service;
  std::string server_name;
  std::vector<std::pair<std::string, std::string>> metadata;
};

std::string serviceText(const std::string& service) {
  return service.empty() ? "the server" : fmt::format("service '{}'", service);
}

// The call's state lives apart from the run: gRPC may call back after the run was cancelled
// or destroyed, and the context, request and response must outlive that callback. The
// channel and stub stay with the run (destroyed on the loop): a channel whose last reference
// went inside its own callback trips gRPC's reference counts.
struct Call {
  std::shared_ptr<LoopLink> loop;  // where the callback posts the status
  ::grpc::ClientContext context;
  health::HealthCheckRequest request;
  health::HealthCheckResponse response;
};

class GrpcRun : public std::enable_shared_from_this<GrpcRun> {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = GrpcSettings;

  GrpcRun(std::shared_ptr<const GrpcSettings> settings, asio::io_context& io, Check::DoneFn done)
      : s_(std::move(settings)), io_(io), done_(std::move(done)) {}

  void start() {
    clock_.start();
    ::grpc::ChannelArguments args;
    // A connection of this run's own: a shared subchannel would let one run ride on another
    // run's (or another check's) connection and never see a connect failure.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    args.SetString(GRPC_ARG_PRIMARY_USER_AGENT_STRING, s_->user_agent);
    if (!s_->server_name.empty()) {
      args.SetSslTargetNameOverride(s_->server_name);
    }
    call_ = std::make_shared<Call>();
    channel_ = ::grpc::CreateCustomChannel(s_->target, s_->credentials, args);
    stub_ = health::Health::NewStub(channel_);
    call_->request.set_service(s_->service);
    call_->context.set_deadline(std::chrono::system_clock::now() + s_->timeout);
    // Fail fast: a refused connection is UNAVAILABLE at once, not a wait for the deadline.
    call_->context.set_wait_for_ready(false);
    call_->loop = loopLink(io_);
    for (const auto& [key, value] : s_->metadata) {
      call_->context.AddMetadata(key, value);
    }
    std::weak_ptr<GrpcRun> weak = shared_from_this();
    auto call = call_;
    stub_->async()->Check(
        &call->context, &call->request, &call->response, [weak, call](::grpc::Status status) {
          // gRPC's thread: the verdict is made on the loop (if the run still waits for it),
          // and the call's state is released there too: destroying a ClientContext inside
          // its own callback trips gRPC's reference counts.
          std::lock_guard lock(call->loop->mutex);
          if (call->loop->io == nullptr) {
            // The loop is gone (only at shutdown): the call's few hundred bytes are left
            // behind rather than freed here.
            new std::shared_ptr<Call>(call);  // NOLINT(cppcoreguidelines-owning-memory)
            return;
          }
          asio::post(*call->loop->io, [weak, call, status = std::move(status)] {
            if (auto self = weak.lock()) {
              self->onDone(status, call->response);
            }
          });
        });
  }

  void cancel() {
    finished_ = true;
    done_ = nullptr;
    if (call_) {
      call_->context.TryCancel();  // gRPC still calls back, soon, with CANCELLED
      call_.reset();
    }
  }

 private:
  void onDone(const ::grpc::Status& status, const health::HealthCheckResponse& response) {
    if (finished_) {
      return;
    }
    CheckResult result = judge(status, response);
    result.phases = clock_.finish();
    auto done = std::move(done_);
    cancel();
    report(std::move(done), std::move(result), "grpc", s_->name);
  }

  CheckResult judge(const ::grpc::Status& status, const health::HealthCheckResponse& r) const {
    using Code = ::grpc::StatusCode;
    const std::string what = serviceText(s_->service);
    if (status.ok()) {
      switch (r.status()) {
        case health::HealthCheckResponse::SERVING:
          return CheckResult::ok(fmt::format("{} at {} is SERVING", what, s_->label));
        case health::HealthCheckResponse::NOT_SERVING:
          return CheckResult::critical(fmt::format("{} at {} is NOT_SERVING", what, s_->label),
                                       Failure::kProtocol);
        default:
          return CheckResult::critical(
              fmt::format("{} at {} answered {}", what, s_->label,
                          health::HealthCheckResponse::ServingStatus_Name(r.status())),
              Failure::kProtocol);
      }
    }
    const std::string detail = status.error_message();
    switch (status.error_code()) {
      case Code::NOT_FOUND:
        return CheckResult::critical(fmt::format("{} is unknown to {} (NOT_FOUND{})", what,
                                                 s_->label, detail.empty() ? "" : ": " + detail),
                                     Failure::kProtocol);
      case Code::UNIMPLEMENTED:
        return CheckResult::critical(
            fmt::format("{} has no grpc.health.v1.Health service (UNIMPLEMENTED)", s_->label),
            Failure::kProtocol);
      case Code::DEADLINE_EXCEEDED:
        return CheckResult::critical(fmt::format("no answer from {} within {}", s_->label,
                                                 common::formatDuration(s_->timeout)),
                                     Failure::kTimeout);
      case Code::UNAVAILABLE:
        return CheckResult::critical(fmt::format("{} is unavailable: {}", s_->label, detail),
                                     Failure::kConnect);
      default:
        return CheckResult::critical(fmt::format("Health/Check on {} failed: {} ({})", s_->label,
                                                 detail, static_cast<int>(status.error_code())),
                                     Failure::kProtocol);
    }
  }

  std::shared_ptr<const GrpcSettings> s_;
  asio::io_context& io_;
  Check::DoneFn done_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<health::Health::Stub> stub_;
  std::shared_ptr<Call> call_;
  bool finished_ = false;
  PhaseClock clock_;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GrpcCheckFactory final : public CheckFactory {
 public:
  explicit GrpcCheckFactory(GrpcOptions options) : options_(std::move(options)) {}

  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    const auto& g = spec->options<GrpcSpec>();
    auto settings = std::make_shared<const GrpcSettings>(*spec, credentials(g.ssl, g.tls_verify),
                                                         options_.user_agent);
    return std::make_unique<PerRunCheck<GrpcRun>>(std::move(settings), io);
  }

 private:
  // Made once per kind and shared: credentials hold the parsed root certificates.
  std::shared_ptr<::grpc::ChannelCredentials> credentials(bool ssl, bool verify) const {
    std::lock_guard lock(mutex_);
    if (!ssl) {
      if (!insecure_) {
        insecure_ = ::grpc::InsecureChannelCredentials();
      }
      return insecure_;
    }
    if (verify) {
      if (!verified_) {
        ::grpc::SslCredentialsOptions o;
        if (!options_.ca_file.empty()) {
          o.pem_root_certs = readFile(options_.ca_file);
        }
        verified_ = ::grpc::SslCredentials(o);
      }
      return verified_;
    }
    if (!unverified_) {
      ::grpc::experimental::TlsChannelCredentialsOptions o;
      o.set_verify_server_certs(false);
      o.set_check_call_host(false);
      o.set_certificate_verifier(std::make_shared<::grpc::experimental::NoOpCertificateVerifier>());
      unverified_ = ::grpc::experimental::TlsCredentials(o);
    }
    return unverified_;
  }

  GrpcOptions options_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<::grpc::ChannelCredentials> insecure_;
  mutable std::shared_ptr<::grpc::ChannelCredentials> verified_;
  mutable std::shared_ptr<::grpc::ChannelCredentials> unverified_;
};

}  // namespace

std::unique_ptr<CheckFactory> makeGrpcCheckFactory(GrpcOptions options) {
  return std::make_unique<GrpcCheckFactory>(std::move(options));
}

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context) {
  return makeGrpcCheckFactory(GrpcOptions{.ca_file = "", .user_agent = context.user_agent});
}

}  // namespace ninevolt::checks::grpc

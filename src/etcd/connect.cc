// Client::create(): endpoint parsing, TLS credentials and channel set-up.

#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "etcd/client_impl.h"

namespace ninevolt::etcd {

namespace {

Result<std::string> readPem(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Errc::kInvalidArgument, "etcd tls: " + what + " " + path + ": cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) {
    return fail(Errc::kInvalidArgument, "etcd tls: " + what + " " + path + ": empty file");
  }
  return text.str();
}

struct Target {
  std::string host_port;
  bool tls = false;
};

Result<Target> parseEndpoint(const std::string& url, bool tls_default) {
  Target target;
  std::string rest = url;
  target.tls = tls_default;
  if (rest.rfind("https://", 0) == 0) {
    target.tls = true;
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    target.tls = false;
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return fail(Errc::kInvalidArgument,
                "etcd endpoint '" + url + "': scheme must be http:// or https://");
  }
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  auto colon = rest.rfind(':');
  if (rest.empty() || colon == std::string::npos || colon == 0 || colon + 1 == rest.size()
      || rest.find('/') != std::string::npos) {
    return fail(Errc::kInvalidArgument, "etcd endpoint '" + url + "': want [http[s]://]host:port");
  }
  for (size_t i = colon + 1; i < rest.size(); ++i) {
    if (rest[i] < '0' || rest[i] > '9') {
      return fail(Errc::kInvalidArgument, "etcd endpoint '" + url + "': port is not a number");
    }
  }
  target.host_port = rest;
  return target;
}

grpc::ChannelArguments channelArguments() {
  grpc::ChannelArguments args;
  // NOTES pitfall 1: a range over ~100k keys exceeds gRPC's 4 MiB default.
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  // NOTES pitfall 3: cap the reconnect backoff so we are back within ~1 s of etcd; do not
  // set the MIN backoff (it is also the connect timeout and broke reconnection).
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Detect a silently dead connection under a long-lived watch. etcd's default
  // --grpc-keepalive-min-time is 5 s; pinging only while calls are open is what it permits.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

}  // namespace

Result<std::shared_ptr<Client>> Client::create(ClientOptions options) {
  if (options.endpoints.empty()) {
    return fail(Errc::kInvalidArgument, "etcd: no endpoint given");
  }
  if (options.call_timeout.count() <= 0) {
    return fail(Errc::kInvalidArgument, "etcd: call timeout must be positive");
  }
  if (options.username.empty() && !options.password.empty()) {
    return fail(Errc::kInvalidArgument, "etcd: a password was given without a user name");
  }
  const TlsOptions& tls = options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return fail(Errc::kInvalidArgument,
                "etcd tls: client certificate and key must be given together (cert_file '"
                    + tls.cert_file + "', key_file '" + tls.key_file + "')");
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    auto pem = readPem("ca_file", tls.ca_file);
    if (!pem) {
      return tl::unexpected(pem.error());
    }
    ssl.pem_root_certs = *pem;
  }
  if (!tls.cert_file.empty()) {
    auto cert = readPem("cert_file", tls.cert_file);
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    auto key = readPem("key_file", tls.key_file);
    if (!key) {
      return tl::unexpected(key.error());
    }
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  bool tls_default = !tls.ca_file.empty() || !tls.cert_file.empty();

  std::vector<std::unique_ptr<detail::Endpoint>> endpoints;
  for (const auto& url : options.endpoints) {
    auto target = parseEndpoint(url, tls_default);
    if (!target) {
      return tl::unexpected(target.error());
    }
    auto creds = target->tls ? grpc::SslCredentials(ssl) : grpc::InsecureChannelCredentials();
    auto ep = std::make_unique<detail::Endpoint>();
    ep->url = url;
    ep->channel = grpc::CreateCustomChannel(target->host_port, creds, channelArguments());
    ep->kv = etcdserverpb::KV::NewStub(ep->channel);
    ep->watch = etcdserverpb::Watch::NewStub(ep->channel);
    ep->lease = etcdserverpb::Lease::NewStub(ep->channel);
    ep->maintenance = etcdserverpb::Maintenance::NewStub(ep->channel);
    ep->auth = etcdserverpb::Auth::NewStub(ep->channel);
    endpoints.push_back(std::move(ep));
  }
  return std::make_shared<detail::ClientImpl>(std::move(options), std::move(endpoints));
}

std::string prefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  // Increment the last byte that is not 0xff, dropping the 0xff tail: the smallest key
  // greater than every key with this prefix.
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  // No such key (empty or all-0xff prefix): "\0" means "to the end of the keyspace".
  // NOLINTNEXTLINE(modernize-return-braced-init-list): {1, '\0'} would be two bytes.
  return std::string(1, '\0');
}

}  // namespace ninevolt::etcd

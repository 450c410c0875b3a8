#include "checks/tcp_connect.h"

#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using DoneFn = std::function<void(std::optional<CheckResult>)>;

void connectTo(tcp::socket& socket, std::vector<tcp::endpoint> endpoints, std::string label,
               DoneFn done) {
  asio::async_connect(socket, std::move(endpoints),
                      [label = std::move(label), done = std::move(done)](const ErrorCode& ec,
                                                                         const tcp::endpoint&) {
                        if (!ec) {
                          done(std::nullopt);
                          return;
                        }
                        done(CheckResult::critical(
                            fmt::format("cannot connect to {}: {}", label,
                                        ec == asio::error::connection_refused ? "connection refused"
                                                                              : ec.message()),
                            Failure::kConnect));
                      });
}

}  // namespace

bool connectTcp(tcp::socket& socket, tcp::resolver& resolver, const TcpConnectRequest& request,
                std::function<bool()> resolved, DoneFn done) {
  ErrorCode ec;
  const auto address = asio::ip::make_address(request.host, ec);
  if (!ec) {
    // asio never completes inside the initiating call: done comes later, on the loop.
    connectTo(socket, {tcp::endpoint(address, request.port)}, request.label, std::move(done));
    return false;
  }
  resolver.async_resolve(
      request.host, std::to_string(request.port),
      [&socket, host = request.host, label = request.label, resolved = std::move(resolved),
       done = std::move(done)](const ErrorCode& ec,
                               const tcp::resolver::results_type& results) mutable {
        if (!resolved()) {
          return;  // the run was cancelled meanwhile
        }
        if (ec || results.empty()) {
          done(CheckResult::critical(
              fmt::format("cannot resolve \"{}\": {}", host, ec ? ec.message() : "no addresses"),
              Failure::kResolve));
          return;
        }
        std::vector<tcp::endpoint> endpoints;
        for (const auto& r : results) {
          endpoints.push_back(r.endpoint());
        }
        connectTo(socket, std::move(endpoints), std::move(label), std::move(done));
      });
  return true;
}

}  // namespace ninevolt::checks

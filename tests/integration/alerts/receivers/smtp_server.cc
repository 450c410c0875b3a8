#include "smtp_server.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <strings.h>

#include "support/etcd_fixture.h"

namespace ninevolt::alerts::testing {

std::vector<std::string> SmtpServer::Message::header(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) {
      out.push_back(v);
    }
  }
  return out;
}

SmtpServer::SmtpServer(Options options) {
  std::filesystem::create_directories(dir_.path() / "spool");
  port_ = ninevolt::testing::freePort();
  std::vector<std::string> argv{NV_SYSTEM_PYTHON3, NV_SMTP_SERVER_PY,
                                "--port",          std::to_string(port_),
                                "--spool",         (dir_.path() / "spool").string(),
                                "--tls",           options.tls};
  if (options.tls != "none") {
    argv.insert(argv.end(), {"--cert", options.cert_file, "--key", options.key_file});
  }
  if (!options.user.empty()) {
    argv.insert(argv.end(), {"--user", options.user, "--password", options.password});
  }
  if (options.require_auth) {
    argv.emplace_back("--require-auth");
  }
  process_ = std::make_unique<ninevolt::testing::Process>(
      argv, std::map<std::string, std::string>{{"PYTHONUNBUFFERED", "1"}},
      (dir_.path() / "smtp.log").string());
  bool exited = false;
  bool ready = ninevolt::testing::eventually([&] {
    if (process_->wait(std::chrono::milliseconds(0))) {
      exited = true;
      return true;
    }
    return output().find("ready ") != std::string::npos;
  });
  if (!ready || exited) {
    throw std::runtime_error(
        "the SMTP test server did not start (is python3-aiosmtpd "
        "installed? scripts/install-deps.sh installs it): "
        + output());
  }
}

SmtpServer::~SmtpServer() = default;  // Process kills and reaps it; TempDir removes the spool

std::string SmtpServer::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string SmtpServer::output() const {
  return process_ ? process_->output() : "";
}

std::vector<SmtpServer::Message> SmtpServer::messages() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "spool")) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Message> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    auto j = nlohmann::json::parse(in);
    Message m;
    m.mail_from = j.value("mail_from", "");
    m.rcpt_tos = j.value("rcpt_tos", std::vector<std::string>{});
    m.raw = j.value("raw", "");
    for (const auto& h : j["headers"]) {
      m.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    }
    m.body = j.value("body", "");
    m.tls = j.value("tls", false);
    m.auth_mechanism =
        j["auth_mechanism"].is_string() ? j["auth_mechanism"].get<std::string>() : "";
    m.login = j["login"].is_string() ? j["login"].get<std::string>() : "";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ninevolt::alerts::testing

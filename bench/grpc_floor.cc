// grpc_floor: how much of an idle `9volt server`'s memory is gRPC's floor (issue 12 asks for
// an idle server of at most 8 MB). Starts etcd (Debian's etcd-server, a temp dir, a free
// loopback port), then, one after the other and measured the same way (/proc: RSS,
// anonymous, file-backed, PSS, threads):
//   - grpc_floor_probe: one gRPC channel and one call to etcd, nothing else (linked as the
//     9volt binary is: gRPC, protobuf and abseil static);
//   - `9volt server` on that etcd with no checks, after --settle seconds.
// Every process is stopped by its pid.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "etcd/embedded_etcd.h"
#include "pid_stats.h"
#include "support/process.h"

namespace fs = std::filesystem;
using ninevolt::testing::Process;

namespace {

// Pss and Threads, which PidStats does not read.
int64_t statusField(pid_t pid, const std::string& file, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stoll(line.substr(field.size() + 1));
    }
  }
  return 0;
}

nlohmann::json measure(const std::string& what, pid_t pid) {
  const auto s = ninevolt::bench::readPidStats(pid);
  nlohmann::json j{{"what", what},
                   {"rss_kib", s.rss_kib},
                   {"anon_kib", s.anon_kib},
                   {"file_kib", s.file_kib},
                   {"pss_kib", statusField(pid, "smaps_rollup", "Pss")},
                   {"threads", statusField(pid, "status", "Threads")}};
  std::printf("  %-34s RSS %6.1f MiB (anonymous %5.1f + file %5.1f), PSS %5.1f MiB, %lld threads\n",
              what.c_str(), s.rss_kib / 1024.0, s.anon_kib / 1024.0, s.file_kib / 1024.0,
              j["pss_kib"].get<int64_t>() / 1024.0, static_cast<long long>(j["threads"]));
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"grpc_floor: an idle 9volt server against the least a gRPC client of etcd is"};
  std::string binary, probe, json_file, etcd_binary = "etcd";
  int settle = 15;
  app.add_option("--binary", binary, "the 9volt binary")->required();
  app.add_option("--probe", probe, "the grpc_floor_probe binary")->required();
  app.add_option("--etcd", etcd_binary, "etcd binary");
  app.add_option("--settle", settle, "seconds the server runs before it is measured");
  app.add_option("--json-file", json_file, "write the figures here");
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = fs::temp_directory_path() / ("grpc_floor." + std::to_string(getpid()));
  fs::create_directories(dir);
  ninevolt::etcd::EmbeddedEtcd::Options o;
  o.data_dir = (dir / "etcd").string();
  o.log_file = (dir / "etcd.log").string();
  o.binary = etcd_binary;
  auto etcd = ninevolt::etcd::EmbeddedEtcd::start(o);
  if (!etcd) {
    std::fprintf(stderr, "grpc_floor: etcd: %s\n", etcd.error().message.c_str());
    return 1;
  }
  const std::string endpoint = (*etcd)->endpoint();
  const std::string target = endpoint.substr(endpoint.find("://") + 3);
  nlohmann::json out{{"etcd", endpoint}, {"settle_s", settle}};
  int rc = 0;
  {
    Process p({probe, target}, {}, (dir / "probe.log").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (p.output().find("answered:") == std::string::npos
           && std::chrono::steady_clock::now() < deadline && !p.wait(std::chrono::milliseconds(50))) {
    }
    if (p.output().find("answered:") == std::string::npos) {
      std::fprintf(stderr, "grpc_floor: the probe got no answer: %s\n", p.output().c_str());
      rc = 1;
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      out["probe"] = measure("grpc_floor_probe (gRPC alone)", p.pid());
    }
  }
  if (rc == 0) {
    const uint16_t port = ninevolt::testing::freePort();
    Process s({binary, "server", "-e", endpoint, "--listen", "127.0.0.1:" + std::to_string(port)},
              {}, (dir / "server.log").string());
    std::this_thread::sleep_for(std::chrono::seconds(settle));
    if (s.wait(std::chrono::milliseconds(0))) {
      std::fprintf(stderr, "grpc_floor: the server exited: %s\n", s.output().c_str());
      rc = 1;
    } else {
      out["server"] = measure("9volt server, idle (no checks)", s.pid());
    }
  }
  etcd->reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (rc == 0 && !json_file.empty()) {
    std::ofstream(json_file) << out.dump(2) << "\n";
  }
  return rc;
}

// engine_bench: loads N checks into the engine (no etcd), runs them against local targets
// for a fixed time and reports throughput, schedule lag, CPU and memory. See README.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "checks/exec/exec_check.h"
#include "checks/icmp/icmp_check.h"
// Older revisions (BASELINE_REV builds) link libcurl at start and have no curl_library.h;
// those of stops 19..25 have it in checks/http.
#if __has_include("curl_library/curl_library.h")
#include "curl_library/curl_library.h"
#define NINEVOLT_BENCH_LAZY_CURL 1
namespace bench_curl = ninevolt::curl;
#elif __has_include("checks/http/curl_library.h")
#include "checks/http/curl_library.h"
#define NINEVOLT_BENCH_LAZY_CURL 1
namespace bench_curl = ninevolt::checks::http;
#endif
#include "checks/http/http_check.h"
#include "checks/registry.h"
#include "checks/tcp/tcp_check.h"
#include "common/duration.h"
#include "config/spec.h"
#include "engine/engine.h"
#include "proc_stats.h"
#include "recorder.h"
#include "spawn_ceiling.h"
#include "targets.h"

namespace ninevolt::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Flags {
  size_t checks = 1000;
  std::string interval = "10s";
  double duration_s = 60;
  double warmup_s = -1;  // -1: one interval
  double tcp_share = 0.7;
  std::vector<std::string> http_urls;
  std::vector<std::string> tcp_targets;
  size_t workers = 0;
  int wake_step_ms = 5;
  double exec_rate = 0;            // exec runs/s to schedule beside the tcp/http checks
  double exec_ceiling_factor = 0;  // or: this fraction of the measured spawn ceiling
  size_t exec_checks = 0;          // or: exactly this many exec checks
  std::string exec_command = "/bin/true";
  size_t icmp_checks = 0;  // icmp checks to add, pinging 127.0.0.1 .. 127.0.0.<icmp_addresses>
  size_t icmp_addresses = 254;
  double spawn_ceiling_s = -1;  // -1: 5 s when exec checks run, else skip
  bool idle = false;
  double hold_s = 0;  // wait this long after the idle snapshot (to read /proc/PID/smaps)
  bool json_out = false;
  std::string json_file;
  double late_ms = 100;
  std::string label;
};

double nanosToSeconds(common::Nanos n) {
  return std::chrono::duration<double>(n).count();
}

// The check types the engine would run in 9volt, minus dns (no local DNS target here).
// Linked directly rather than through app::builtinChecks() so the process holds the engine
// and the checks, not the API/etcd/gRPC stack the 9volt binary also carries.
std::shared_ptr<const checks::Registry> benchRegistry() {
  auto registry = std::make_shared<checks::Registry>();
  registry->add("http", checks::http::makeHttpCheckFactory());
  registry->add("tcp", checks::makeTcpCheckFactory());
  registry->add("exec", checks::makeExecCheckFactory());
  registry->add("icmp", checks::icmp::makeFactory(checks::FactoryContext{}));
  registry->freeze();
  return registry;
}

std::optional<config::MonitorSpec> makeSpec(const std::string& name, const json& body) {
  config::Problems problems;
  auto spec = config::parseMonitor(name, body, problems);
  if (!spec) {
    std::cerr << "engine_bench: bad spec: "
              << (problems.empty() ? name : problems.front().toString()) << "\n";
  }
  return spec;
}

json lagJson(const LagHistogram& h) {
  auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  return {{"p50_ms", ms(h.quantile(0.50))},
          {"p99_ms", ms(h.quantile(0.99))},
          {"p999_ms", ms(h.quantile(0.999))},
          {"max_ms", ms(h.max())}};
}

json spawnJson(const SpawnCeiling& c) {
  json j{{"spawns", c.spawns},
         {"seconds", c.seconds},
         {"per_second", c.per_second},
         {"cpu_ms_per_spawn", c.cpu_ms_per_spawn}};
  if (!c.error.empty()) {
    j["error"] = c.error;
  }
  return j;
}

double mib(int64_t kib) {
  return static_cast<double>(kib) / 1024.0;
}

void printHuman(const json& r) {
  std::printf("== %s\n", r.value("label", std::string("engine_bench")).c_str());
  const auto& cfg = r["config"];
  std::printf("config: %zu checks (tcp %zu, http %zu, exec %zu, icmp %zu) every %s, %zu workers\n",
              cfg["checks"].get<size_t>(), cfg["tcp_checks"].get<size_t>(),
              cfg["http_checks"].get<size_t>(), cfg["exec_checks"].get<size_t>(),
              cfg.value("icmp_checks", size_t{0}), cfg["interval"].get<std::string>().c_str(),
              cfg["workers"].get<size_t>());
  const auto& mem = r["memory"];
  std::printf("memory: idle RSS %.1f MiB, loaded RSS %.1f MiB, end RSS %.1f MiB, peak %.1f MiB",
              mem["idle_rss_mib"].get<double>(), mem["loaded_rss_mib"].get<double>(),
              mem["end_rss_mib"].get<double>(), mem["peak_rss_mib"].get<double>());
  if (mem.contains("per_check_loaded_bytes")) {
    std::printf(", per check %.0f B loaded / %.0f B running",
                mem["per_check_loaded_bytes"].get<double>(),
                mem["per_check_running_bytes"].get<double>());
  }
  std::printf("\n");
  if (mem.contains("libcurl_mib")) {
    std::printf("libcurl loaded (first http check): +%.1f MiB, not counted per check\n",
                mem["libcurl_mib"].get<double>());
  }
  std::printf(
      "idle RSS split: %.1f MiB anonymous (heap, stacks) + %.1f MiB file-backed "
      "(binary and shared libraries); %.1f MiB before the engine was created\n"
      "idle PSS %.1f MiB (shared pages divided by their sharers), USS %.1f MiB (private)\n",
      mem["idle_anon_mib"].get<double>(), mem["idle_file_mib"].get<double>(),
      mem["start_rss_mib"].get<double>(), mem["idle_pss_mib"].get<double>(),
      mem["idle_uss_mib"].get<double>());
  if (r.contains("load")) {
    std::printf("load: %.2f s to upsert+sync\n", r["load"]["seconds"].get<double>());
  }
  if (r.contains("run")) {
    const auto& run = r["run"];
    std::printf("runs: scheduled %.1f/s, achieved %.1f/s (%.1f%%) over %.1f s; skipped %llu\n",
                run["scheduled_per_s"].get<double>(), run["achieved_per_s"].get<double>(),
                run["achieved_pct"].get<double>(), run["window_s"].get<double>(),
                static_cast<unsigned long long>(run["skipped"].get<uint64_t>()));
    for (const auto& [kind, k] : run["by_kind"].items()) {
      std::printf(
          "  %-5s %9.1f/s ok %llu/%llu lag p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms, "
          "late %llu, mean run %.2f ms\n",
          kind.c_str(), k["achieved_per_s"].get<double>(),
          static_cast<unsigned long long>(k["ok"].get<uint64_t>()),
          static_cast<unsigned long long>(k["runs"].get<uint64_t>()),
          k["lag"]["p50_ms"].get<double>(), k["lag"]["p99_ms"].get<double>(),
          k["lag"]["p999_ms"].get<double>(), k["lag"]["max_ms"].get<double>(),
          static_cast<unsigned long long>(k["late"].get<uint64_t>()),
          k["mean_run_ms"].get<double>());
    }
    const auto& lag = run["lag"];
    std::printf("lag (all): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", lag["p50_ms"].get<double>(),
                lag["p99_ms"].get<double>(), lag["max_ms"].get<double>());
    const auto& cpu = r["cpu"];
    std::printf(
        "cpu: %.2f s (user %.2f, sys %.2f) = %.2f cores; %.3f CPU s per 1000 runs; "
        "exec children %.2f s\n",
        cpu["seconds"].get<double>(), cpu["user_s"].get<double>(), cpu["sys_s"].get<double>(),
        cpu["cores"].get<double>(), cpu["per_1000_runs_s"].get<double>(),
        cpu["children_s"].get<double>());
    for (const auto& [msg, n] : run["failures"].items()) {
      std::printf("  failure x%llu: %s\n", static_cast<unsigned long long>(n.get<uint64_t>()),
                  msg.c_str());
    }
  }
  if (r.contains("exec")) {
    const auto& e = r["exec"];
    std::printf(
        "exec: ceiling %.1f spawns/s (%.2f ms CPU each; before %.1f, after %.1f), "
        "engine achieved %.1f/s = %.1f%% of ceiling\n",
        e["ceiling_per_s"].get<double>(), e["ceiling_cpu_ms_per_spawn"].get<double>(),
        e["ceiling_before"]["per_second"].get<double>(),
        e.contains("ceiling_after") ? e["ceiling_after"]["per_second"].get<double>() : 0.0,
        e["achieved_per_s"].get<double>(), e["pct_of_ceiling"].get<double>());
  }
  std::fflush(stdout);
}

int run(const Flags& flags) {
  // Errors only: an overloaded exec scenario would log one warning per failed spawn; the
  // report counts failures by message instead.
  spdlog::set_level(spdlog::level::err);
  json report;
  report["label"] = flags.label;

  auto interval = common::parseDuration(flags.interval);
  if (!interval || interval->count() <= 0) {
    std::cerr << "engine_bench: --interval: not a duration: " << flags.interval << "\n";
    return 2;
  }
  const double interval_s = nanosToSeconds(*interval);
  auto http_targets = parseHttpTargets(flags.http_urls);
  auto tcp_targets = parseTcpTargets(flags.tcp_targets);
  for (const auto* r : {&http_targets, &tcp_targets}) {
    if (!*r) {
      std::cerr << "engine_bench: " << r->error().message << "\n";
      return 2;
    }
  }
  const size_t n = flags.idle ? 0 : flags.checks;
  const auto tcp_n = static_cast<size_t>(std::llround(static_cast<double>(n) * flags.tcp_share));
  const size_t http_n = n - tcp_n;
  if ((tcp_n > 0 && tcp_targets->empty()) || (http_n > 0 && http_targets->empty())) {
    std::cerr << "engine_bench: tcp checks need --tcp-target, http checks need --http-url\n";
    return 2;
  }

  // The exec ceiling is measured first, while this process is small and nothing else runs.
  const bool wants_exec =
      !flags.idle
      && (flags.exec_checks > 0 || flags.exec_rate > 0 || flags.exec_ceiling_factor > 0);
  const double ceiling_s = flags.spawn_ceiling_s >= 0 ? flags.spawn_ceiling_s
                           : wants_exec               ? 5.0
                                                      : 0.0;
  std::optional<SpawnCeiling> ceiling_before;
  if (ceiling_s > 0) {
    std::cerr << "engine_bench: measuring the spawn ceiling for " << ceiling_s << " s\n";
    ceiling_before = measureSpawnCeiling(flags.exec_command,
                                         std::chrono::milliseconds(std::llround(ceiling_s * 1000)));
  }
  size_t exec_n = 0;
  if (!flags.idle) {
    if (flags.exec_checks > 0) {
      exec_n = flags.exec_checks;
    } else if (flags.exec_rate > 0) {
      exec_n = static_cast<size_t>(std::llround(flags.exec_rate * interval_s));
    } else if (flags.exec_ceiling_factor > 0 && ceiling_before) {
      exec_n = static_cast<size_t>(
          std::llround(flags.exec_ceiling_factor * ceiling_before->per_second * interval_s));
    }
  }
  const size_t icmp_n = flags.icmp_checks;
  const size_t total = tcp_n + http_n + exec_n + icmp_n;

  const ProcSnapshot start = snapshot();
  Recorder recorder(std::llround(flags.late_ms * 1000));
  auto engine = std::make_unique<engine::Engine>(engine::Engine::Options{
      .workers = flags.workers,
      .wake_step = std::chrono::milliseconds(flags.wake_step_ms),
      .registry = benchRegistry(),
      .on_result = [&recorder](const engine::RunReport& r) { recorder.onResult(r); },
  });
  engine->sync();
  trimHeap();
  const ProcSnapshot idle = snapshot();

  report["config"] = {{"checks", total},
                      {"tcp_checks", tcp_n},
                      {"http_checks", http_n},
                      {"exec_checks", exec_n},
                      {"icmp_checks", icmp_n},
                      {"interval", flags.interval},
                      {"workers", engine->workers()},
                      {"duration_s", flags.duration_s},
                      {"tcp_targets", tcp_targets->size()},
                      {"http_targets", http_targets->size()}};
  report["memory"] = {{"start_rss_mib", mib(start.rss_kib)}, {"idle_rss_mib", mib(idle.rss_kib)},
                      {"idle_anon_mib", mib(idle.anon_kib)}, {"idle_file_mib", mib(idle.file_kib)},
                      {"idle_pss_mib", mib(idle.pss_kib)},   {"idle_uss_mib", mib(idle.uss_kib)}};
  if (flags.hold_s > 0) {
    std::cerr << "engine_bench: pid " << getpid() << " holds for " << flags.hold_s
              << " s (bench/rss_breakdown.py " << getpid() << ")\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(flags.hold_s));
  }
  // The first http check loads libcurl and its libraries (src/curl_library): a
  // one-time cost of the process, reported on its own and kept out of "per check".
  ProcSnapshot base = idle;
#ifdef NINEVOLT_BENCH_LAZY_CURL
  if (http_n > 0) {
    if (const auto& curl = bench_curl::curlLibrary(); !curl) {
      std::cerr << "engine_bench: " << curl.error().message << "\n";
      return 2;
    }
    trimHeap();
    base = snapshot();
    report["memory"]["libcurl_mib"] = mib(base.rss_kib - idle.rss_kib);
  }
#endif

  // Load: specs are built one at a time and moved into the engine, so the harness keeps no
  // copy and the RSS growth is the engine's.
  const auto load_start = Clock::now();
  auto upsertOne = [&](const std::string& name, const json& body) {
    auto spec = makeSpec(name, body);
    if (!spec) {
      return false;
    }
    engine->upsert(std::move(*spec));
    return true;
  };
  for (size_t i = 0; i < tcp_n; ++i) {
    const Target& t = (*tcp_targets)[i % tcp_targets->size()];
    if (!upsertOne(
            "tcp-" + std::to_string(i),
            {{"type", "tcp"}, {"host", t.host}, {"port", t.port}, {"interval", flags.interval}})) {
      return 2;
    }
  }
  for (size_t i = 0; i < http_n; ++i) {
    const Target& t = (*http_targets)[i % http_targets->size()];
    if (!upsertOne("http-" + std::to_string(i), {{"type", "http"},
                                                 {"host", t.host},
                                                 {"port", t.port},
                                                 {"url", t.path},
                                                 {"interval", flags.interval}})) {
      return 2;
    }
  }
  for (size_t i = 0; i < exec_n; ++i) {
    if (!upsertOne(
            "exec-" + std::to_string(i),
            {{"type", "exec"}, {"command", flags.exec_command}, {"interval", flags.interval}})) {
      return 2;
    }
  }
  for (size_t i = 0; i < icmp_n; ++i) {
    const std::string host =
        "127.0.0." + std::to_string(1 + i % std::max<size_t>(flags.icmp_addresses, 1));
    if (!upsertOne("icmp-" + std::to_string(i),
                   {{"type", "icmp"}, {"host", host}, {"interval", flags.interval}})) {
      return 2;
    }
  }
  engine->sync();
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  trimHeap();
  const ProcSnapshot loaded = snapshot();
  report["load"] = {{"seconds", load_s}, {"errors", engine->stats().errors}};
  report["memory"]["loaded_rss_mib"] = mib(loaded.rss_kib);

  ProcSnapshot end = loaded;
  if (total > 0) {
    // Warm-up: every check runs once (its phase falls somewhere in the first interval), so
    // per-run allocations (sockets, curl handles, buffers) are in place before measuring.
    const double warmup_s = flags.warmup_s >= 0 ? flags.warmup_s : interval_s;
    std::cerr << "engine_bench: " << total << " checks loaded in " << load_s << " s; warm-up "
              << warmup_s << " s, then " << flags.duration_s << " s measured\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));

    const engine::EngineStats s0 = engine->stats();
    const ProcSnapshot w0 = snapshot();
    recorder.start();
    const auto window_start = Clock::now();
    const auto deadline = window_start
                          + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(flags.duration_s));
    auto next_progress = window_start + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      std::this_thread::sleep_until(std::min<Clock::time_point>(
          deadline, std::min(next_progress, Clock::now() + std::chrono::milliseconds(200))));
      if (Clock::now() >= next_progress) {
        const auto s = engine->stats();
        const ProcSnapshot p = snapshot();
        const double t = std::chrono::duration<double>(Clock::now() - window_start).count();
        std::fprintf(stderr,
                     "engine_bench: t=%.0fs runs %.1f/s in-flight %llu skipped %llu cores %.2f "
                     "rss %.1f MiB\n",
                     t, static_cast<double>(s.runs - s0.runs) / t,
                     static_cast<unsigned long long>(s.in_flight),
                     static_cast<unsigned long long>(s.skipped - s0.skipped),
                     (p.cpu() - w0.cpu()) / t, mib(p.rss_kib));
        next_progress += std::chrono::seconds(10);
      }
    }
    recorder.stop();
    const engine::EngineStats s1 = engine->stats();
    end = snapshot();
    const double window_s = static_cast<double>(end.monotonic_ns - w0.monotonic_ns) / 1e9;
    engine->sync();  // every result recorded in the window happens-before the merge
    const Totals totals = recorder.merge();
    const KindTotals all = totals.all();

    const uint64_t runs = s1.runs - s0.runs;
    const double scheduled = static_cast<double>(total) / interval_s;
    json run{{"window_s", window_s},
             {"scheduled_per_s", scheduled},
             {"achieved_per_s", static_cast<double>(runs) / window_s},
             {"achieved_pct", 100.0 * static_cast<double>(runs) / window_s / scheduled},
             {"runs", runs},
             {"recorded", all.runs},
             {"ok", all.ok},
             {"not_ok", all.runs - all.ok},
             {"late", all.late},
             {"late_threshold_ms", flags.late_ms},
             {"skipped", s1.skipped - s0.skipped},
             {"in_flight_at_end", s1.in_flight},
             {"lag", lagJson(all.lag)},
             {"failures", totals.failures}};
    const std::array<size_t, kKinds> configured{tcp_n, http_n, exec_n, 0};
    for (size_t i = 0; i < kKinds; ++i) {
      const KindTotals& k = totals.kinds[i];
      if (configured[i] == 0 && k.runs == 0) {
        continue;
      }
      run["by_kind"][kindName(static_cast<Kind>(i))] = {
          {"checks", configured[i]},
          {"scheduled_per_s", static_cast<double>(configured[i]) / interval_s},
          {"achieved_per_s", static_cast<double>(k.runs) / window_s},
          {"runs", k.runs},
          {"ok", k.ok},
          {"late", k.late},
          {"mean_run_ms", k.runs > 0 ? k.duration_us / static_cast<double>(k.runs) / 1000 : 0},
          {"lag", lagJson(k.lag)}};
    }
    report["run"] = run;
    const double cpu = end.cpu() - w0.cpu();
    report["cpu"] = {{"seconds", cpu},
                     {"user_s", end.user_s - w0.user_s},
                     {"sys_s", end.sys_s - w0.sys_s},
                     {"cores", cpu / window_s},
                     {"per_1000_runs_s", runs > 0 ? cpu * 1000.0 / static_cast<double>(runs) : 0},
                     {"children_s", end.children_s - w0.children_s}};
    if (exec_n > 0) {
      const KindTotals& e = totals.kinds[static_cast<size_t>(Kind::kExec)];
      report["exec"] = {{"achieved_per_s", static_cast<double>(e.runs) / window_s}};
    }
  }
  report["memory"]["end_rss_mib"] = mib(end.rss_kib);
  report["memory"]["peak_rss_mib"] = mib(end.hwm_kib);
  if (total > 0) {
    const auto per = [&](int64_t kib) {
      return static_cast<double>(kib - base.rss_kib) * 1024.0 / static_cast<double>(total);
    };
    report["memory"]["per_check_loaded_bytes"] = per(loaded.rss_kib);
    report["memory"]["per_check_running_bytes"] = per(end.rss_kib);
  }

  const auto stop_start = Clock::now();
  engine.reset();
  report["stop_s"] = std::chrono::duration<double>(Clock::now() - stop_start).count();

  if (ceiling_before) {
    json exec = report.contains("exec") ? report["exec"] : json::object();
    exec["ceiling_before"] = spawnJson(*ceiling_before);
    double ceiling = ceiling_before->per_second;
    double cpu_ms = ceiling_before->cpu_ms_per_spawn;
    if (exec_n > 0) {
      // Measured again after the run: the machine is noisy, so the bound is the mean of two.
      const SpawnCeiling after = measureSpawnCeiling(
          flags.exec_command, std::chrono::milliseconds(std::llround(ceiling_s * 1000)));
      exec["ceiling_after"] = spawnJson(after);
      ceiling = (ceiling + after.per_second) / 2;
      cpu_ms = (cpu_ms + after.cpu_ms_per_spawn) / 2;
    }
    exec["ceiling_per_s"] = ceiling;
    exec["ceiling_cpu_ms_per_spawn"] = cpu_ms;
    if (exec.contains("achieved_per_s") && ceiling > 0) {
      exec["pct_of_ceiling"] = 100.0 * exec["achieved_per_s"].get<double>() / ceiling;
    } else {
      exec["achieved_per_s"] = 0.0;
      exec["pct_of_ceiling"] = 0.0;
    }
    report["exec"] = exec;
  }

  if (!flags.json_file.empty()) {
    std::ofstream(flags.json_file) << report.dump(2) << "\n";
  }
  if (flags.json_out) {
    std::cout << report.dump() << std::endl;
  } else {
    printHuman(report);
  }
  return 0;
}

}  // namespace
}  // namespace ninevolt::bench

int main(int argc, char** argv) {
  ninevolt::bench::Flags f;
  CLI::App app{"engine_bench: the 9volt engine under load against local targets"};
  app.add_option("--checks", f.checks, "tcp+http checks to load")->capture_default_str();
  app.add_option("--interval", f.interval, "interval of every check (Go duration)")
      ->capture_default_str();
  app.add_option("--duration", f.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--warmup", f.warmup_s, "seconds before measuring (default: one interval)");
  app.add_option("--tcp-share", f.tcp_share, "fraction of --checks that are tcp (rest http)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--http-url", f.http_urls, "http target(s), http://127.x.y.z:PORT/path");
  app.add_option("--tcp-target", f.tcp_targets, "tcp target(s), 127.x.y.z:PORT");
  app.add_option("--workers", f.workers, "engine loops (0 = one per core)")->capture_default_str();
  app.add_option("--wake-step-ms", f.wake_step_ms,
                 "engine wake-up grid in ms (0 = wake for each due time)")
      ->capture_default_str();
  app.add_option("--exec-rate", f.exec_rate, "exec runs/s to add beside the tcp/http checks");
  app.add_option("--exec-ceiling-factor", f.exec_ceiling_factor,
                 "exec runs/s as this fraction of the measured spawn ceiling");
  app.add_option("--exec-checks", f.exec_checks, "exec checks to add");
  app.add_option("--icmp-checks", f.icmp_checks, "icmp checks to add (default count 3)")
      ->capture_default_str();
  app.add_option("--icmp-addresses", f.icmp_addresses, "icmp checks ping 127.0.0.1 .. 127.0.0.N")
      ->capture_default_str();
  app.add_option("--exec-command", f.exec_command, "program the exec checks run")
      ->capture_default_str();
  app.add_option("--spawn-ceiling-seconds", f.spawn_ceiling_s,
                 "how long to measure posix_spawn+waitpid (default 5 when exec checks run)");
  app.add_flag("--idle", f.idle, "0 checks: report idle RSS only");
  app.add_option("--hold", f.hold_s,
                 "seconds to wait after the idle snapshot (inspect with bench/rss_breakdown.py)");
  app.add_flag("--json", f.json_out, "one JSON object on stdout (instead of text)");
  app.add_option("--json-file", f.json_file, "also write the JSON report to this file");
  app.add_option("--late-ms", f.late_ms, "a run is late above this lag")->capture_default_str();
  app.add_option("--label", f.label, "name of the scenario in the report");
  CLI11_PARSE(app, argc, argv);
  return ninevolt::bench::run(f);
}

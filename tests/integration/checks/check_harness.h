#pragma once

// What the check type tests share: a monitor parsed from JSON (its problems as strings), and
// one run of a check on a loop the test drives, with the Check contract asserted (done is
// never called from inside start(), and exactly once).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/check.h"
#include "config/spec.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace ninevolt::checks::testing {

// `base` updated with `fields`, parsed as monitor "t"; a problem fails the test.
inline config::MonitorSpec specOf(nlohmann::json base, const nlohmann::json& fields = {}) {
  if (fields.is_object()) {
    base.update(fields);
  }
  config::Problems problems;
  auto spec = config::parseMonitor("t", base, problems);
  for (const auto& p : problems) {
    ADD_FAILURE() << p.toString();
  }
  return spec.value_or(config::MonitorSpec{});
}

// The problems of `base` updated with `fields`, as "monitor 't': field: message".
inline std::vector<std::string> problemsOf(nlohmann::json base, const nlohmann::json& fields) {
  base.update(fields);
  config::Problems problems;
  config::parseMonitor("t", base, problems);
  std::vector<std::string> out;
  for (const auto& p : problems) {
    out.push_back(p.toString());
  }
  return out;
}

// A loop on the test's thread, and runs of checks on it.
class CheckRunner {
 public:
  boost::asio::io_context& io() { return io_; }

  // Runs the loop until pred holds or the deadline passes.
  bool runUntil(const std::function<bool()>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!pred() && std::chrono::steady_clock::now() < until) {
      io_.restart();
      if (io_.run_for(std::chrono::milliseconds(5)) == 0) {
        std::this_thread::yield();  // the other side may be another thread or process
      }
    }
    return pred();
  }

  // One run of a check of `factory` for `spec`, to its result.
  CheckResult run(const CheckFactory& factory, const config::MonitorSpec& spec,
                  std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    auto check = factory.create(spec, io_);
    std::optional<CheckResult> result;
    int calls = 0;
    check->start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_FALSE(result) << "done called from inside start()";
    EXPECT_TRUE(runUntil([&] { return result.has_value(); }, deadline));
    // Nothing more may arrive for this run.
    io_.restart();
    io_.run_for(std::chrono::milliseconds(20));
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::unknown("no result"));
  }

 private:
  boost::asio::io_context io_;
};

// A fixture for the check types that speak TLS: a test CA and certificates made once per
// suite (support/test_certs.h), and a runner. Derived fixtures add their factory and run().
class CheckTestWithCerts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ninevolt::testing::TempDir();
    certs_ = new ninevolt::testing::TestCerts(ninevolt::testing::TestCerts::make(*dir_));
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete dir_;
    certs_ = nullptr;
    dir_ = nullptr;
  }

  bool runUntil(const std::function<bool()>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    return runner_.runUntil(pred, deadline);
  }

  inline static ninevolt::testing::TempDir* dir_ = nullptr;
  inline static ninevolt::testing::TestCerts* certs_ = nullptr;
  CheckRunner runner_;
  boost::asio::io_context& io_ = runner_.io();
};

}  // namespace ninevolt::checks::testing

// The exec check running real scripts written to a temp dir.
#include "checks/exec/exec_check.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/spec.h"
#include "integration/checks/check_harness.h"
#include "support/temp_dir.h"

namespace ninevolt::checks {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

// Gone for good: not running and not a zombie of ours. A grandchild that was killed is
// reparented to init, which may be slow (or, in a container, unwilling) to reap it; as a
// zombie it runs nothing, so that counts as gone too.
bool processGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) {
    return true;
  }
  // Our own zombie would be a leak: only someone else's zombie counts as gone.
  int ppid = 0;
  char state = text[paren + 2];
  std::sscanf(text.c_str() + paren + 3, "%d", &ppid);
  return state == 'Z' && ppid != ::getpid();
}

// A direct child is gone only once reaped.
bool reaped(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

class ExecCheckTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Let pending reaps finish, then no child of ours may be left as a zombie.
    runUntil([&] { return io_.stopped(); }, seconds(5));
    int status = 0;
    EXPECT_LE(::waitpid(-1, &status, WNOHANG), 0) << "a zombie child was left behind";
  }

  config::MonitorSpec spec(const nlohmann::json& fields) {
    return checks::testing::specOf({{"type", "exec"}, {"interval", "30s"}}, fields);
  }

  // An executable /bin/sh script; returns its path.
  std::string script(const std::string& name, const std::string& body) {
    auto path = dir_.write(name, "#!/bin/sh\n" + body);
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  // The pid a script wrote to `name`, once it is there.
  pid_t pidFrom(const std::string& name) {
    pid_t pid = 0;
    runUntil([&] {
      std::ifstream in(path(name));
      return static_cast<bool>(in >> pid);
    });
    return pid;
  }

  bool runUntil(const std::function<bool()>& pred, milliseconds deadline = seconds(10)) {
    auto until = SteadyClock::now() + deadline;
    while (!pred() && SteadyClock::now() < until) {
      io_.restart();
      if (io_.run_for(milliseconds(5)) == 0) {
        std::this_thread::yield();
      }
    }
    return pred();
  }

  CheckResult run(const config::MonitorSpec& s) {
    auto check = factory_->create(s, io_);
    std::optional<CheckResult> result;
    int calls = 0;
    check->start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_FALSE(result) << "done called from inside start()";
    EXPECT_TRUE(runUntil([&] { return result.has_value(); }, seconds(30)));
    io_.restart();
    io_.poll();
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::unknown("no result"));
  }

  ninevolt::testing::TempDir dir_;
  boost::asio::io_context io_;
  std::unique_ptr<CheckFactory> factory_ = makeExecCheckFactory();
};

TEST_F(ExecCheckTest, ExitZeroIsOk) {
  auto r = run(spec({{"command", script("ok.sh", "echo hello\nexit 0\n")}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, "exit 0: hello");
  EXPECT_EQ(r.values.at("exit_code"), 0);
  EXPECT_EQ(r.values.at("output_bytes"), 6);
  ASSERT_EQ(r.phases.size(), 1U);
  EXPECT_EQ(r.phases[0].first, "total");
}

TEST_F(ExecCheckTest, WrongExitCodeIsCriticalWithFirstLine) {
  auto cmd = script("fail.sh", "echo\necho 'disk full' >&2\necho more\nexit 3\n");
  auto r = run(spec({{"command", cmd}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "exit 3, want 0: disk full");
  EXPECT_EQ(r.values.at("exit_code"), 3);

  auto matching = run(spec({{"command", cmd}, {"return-code", 3}}));
  EXPECT_EQ(matching.status, Status::kOk) << matching.message;
}

TEST_F(ExecCheckTest, ExpectSearchesStdoutAndStderr) {
  auto cmd = script("out.sh", "echo one\necho needle-in-stderr >&2\n");
  EXPECT_EQ(run(spec({{"command", cmd}, {"expect", "needle-in-stderr"}})).status, Status::kOk);
  auto r = run(spec({{"command", cmd}, {"expect", "haystack"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "expected \"haystack\" not found in output");
}

TEST_F(ExecCheckTest, ArgsArePassedWithoutAShell) {
  auto cmd = script("args.sh", "printf '%s|%s|%s\\n' \"$1\" \"$2\" \"$#\"\n");
  auto r = run(spec({{"command", cmd}, {"args", {"a b", "$HOME;*"}}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, "exit 0: a b|$HOME;*|2");
}

TEST_F(ExecCheckTest, BareNamesAreSearchedInPath) {
  EXPECT_EQ(run(spec({{"command", "true"}})).status, Status::kOk);
  auto r = run(spec({{"command", "sh"}, {"args", {"-c", "exit 4"}}, {"return-code", 4}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(ExecCheckTest, StdinIsEmpty) {
  auto r = run(spec({{"command", script("cat.sh", "cat\necho end\n")}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, "exit 0: end");
}

TEST_F(ExecCheckTest, MissingOrNonExecutableProgramIsUnknown) {
  auto r = run(spec({{"command", path("nope")}}));
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_EQ(r.message, "cannot run " + path("nope") + ": No such file or directory");

  r = run(spec({{"command", "no-such-program-9volt"}}));
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_THAT(r.message, HasSubstr("No such file or directory"));

  auto plain = dir_.write("plain.sh", "#!/bin/sh\nexit 0\n");
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  r = run(spec({{"command", plain.string()}}));
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_THAT(r.message, HasSubstr("Permission denied"));
}

TEST_F(ExecCheckTest, OnlyStdioIsInherited) {
  // A descriptor the server holds without close-on-exec (a socket, say) must not reach it.
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 100), 100);
  ::close(fd);
  auto r = run(
      spec({{"command",
             script("fds.sh", "if [ -e /proc/$$/fd/100 ]; then echo leaked; fi\necho done\n")}}));
  ::close(100);
  EXPECT_EQ(r.message, "exit 0: done");
}

TEST_F(ExecCheckTest, TimeoutKillsTheWholeProcessGroup) {
  auto cmd = script("hang.sh", "sleep 100 &\necho $! > " + path("bg1.pid")
                                   + "\nsleep 100 &\necho $! > " + path("bg2.pid") + "\necho $$ > "
                                   + path("sh.pid") + "\necho started\nwait\n");
  auto started = SteadyClock::now();
  auto r = run(spec({{"command", cmd}, {"timeout", "500ms"}}));
  auto took = SteadyClock::now() - started;
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "timed out after 500ms while running " + cmd + " (process group killed): started");
  EXPECT_GE(took, milliseconds(500));
  EXPECT_LT(took, seconds(3));

  pid_t sh = pidFrom("sh.pid");
  pid_t bg1 = pidFrom("bg1.pid");
  pid_t bg2 = pidFrom("bg2.pid");
  ASSERT_GT(sh, 0);
  ASSERT_GT(bg1, 0);
  ASSERT_GT(bg2, 0);
  EXPECT_TRUE(runUntil([&] { return reaped(sh); })) << "the script was not reaped";
  EXPECT_TRUE(runUntil([&] { return processGone(bg1) && processGone(bg2); }))
      << "its background children survived";
}

TEST_F(ExecCheckTest, HugeOutputIsCappedButDrained) {
  auto cmd = script("huge.sh", "head -c 10000000 /dev/zero | tr '\\0' x\necho\necho tail-marker\n");
  auto r = run(spec({{"command", cmd}, {"timeout", "20s"}, {"expect", "xxxx"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.values.at("output_bytes"), 10000000 + 1 + 12);
  EXPECT_LT(r.message.size(), 300U);

  // The marker is past max-output (64 KiB by default): not kept, so not found.
  r = run(spec({{"command", cmd}, {"timeout", "20s"}, {"expect", "tail-marker"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "expected \"tail-marker\" not found in output");
  // ... unless max-output is raised.
  r = run(spec(
      {{"command", cmd}, {"timeout", "20s"}, {"expect", "tail-marker"}, {"max-output", 11000000}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(ExecCheckTest, KilledBySignal) {
  auto cmd = script("term.sh", "echo bye\nkill -TERM $$\n");
  auto r = run(spec({{"command", cmd}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "killed by SIGTERM: bye");
  EXPECT_EQ(r.values.at("exit_code"), 128 + SIGTERM);

  r = run(spec({{"command", cmd}, {"plugin", "nagios"}}));
  EXPECT_EQ(r.status, Status::kUnknown);
}

TEST_F(ExecCheckTest, NagiosExitCodes) {
  auto cmd = script("plugin.sh", "echo \"SERVICE STATUS $1 | a=1;2;3\"\nexit $1\n");
  const std::vector<std::pair<int, Status>> cases = {{0, Status::kOk},
                                                     {1, Status::kWarning},
                                                     {2, Status::kCritical},
                                                     {3, Status::kUnknown},
                                                     {4, Status::kUnknown}};
  for (const auto& [code, status] : cases) {
    auto r = run(spec({{"command", cmd}, {"args", {std::to_string(code)}}, {"plugin", "nagios"}}));
    EXPECT_EQ(r.status, status) << code << ": " << r.message;
    std::string text = "SERVICE STATUS " + std::to_string(code);
    EXPECT_EQ(r.message, code <= 3 ? text : "exit 4 is not a Nagios status: " + text);
    EXPECT_EQ(r.values.at("a"), 1);
    EXPECT_EQ(r.values.at("exit_code"), code);
  }
}

TEST_F(ExecCheckTest, NagiosPerfdataAndLongOutput) {
  auto cmd =
      script("disk.sh",
             "echo \"DISK WARNING - free space: / 3326 MB (5%); | '/ used'=2643MB;5948;5958;0;5968 "
             "inodes=95%;80;90\"\n"
             "echo \"/boot 68 MB (69%); | '/boot'=68MB;88;93;0;98\"\n"
             "echo \"time=0.25s;;;0\"\n"
             "exit 1\n");
  auto r = run(spec({{"command", cmd}, {"plugin", "nagios"}}));
  EXPECT_EQ(r.status, Status::kWarning);
  EXPECT_EQ(r.message, "DISK WARNING - free space: / 3326 MB (5%);");
  EXPECT_EQ(r.values.at("/ used"), 2643);
  EXPECT_EQ(r.values.at("inodes"), 95);
  EXPECT_EQ(r.values.at("/boot"), 68);
  EXPECT_EQ(r.values.at("time"), 0.25);
  EXPECT_EQ(r.values.at("exit_code"), 1);
}

TEST_F(ExecCheckTest, NagiosWithoutOutputOrExpectedText) {
  auto silent = script("silent.sh", "exit 2\n");
  auto r = run(spec({{"command", silent}, {"plugin", "nagios"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "exit 2");

  // return-code is not used in nagios mode; expect still is.
  auto ok = script("okplugin.sh", "echo 'HTTP OK'\nexit 0\n");
  EXPECT_EQ(run(spec({{"command", ok}, {"plugin", "nagios"}, {"return-code", 5}})).status,
            Status::kOk);
  r = run(spec({{"command", ok}, {"plugin", "nagios"}, {"expect", "200"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "expected \"200\" not found in output");
}

TEST_F(ExecCheckTest, CancelKillsTheGroupAndNeverCallsBack) {
  auto cmd = script("hang.sh", "sleep 100 &\necho $! > " + path("bg.pid") + "\necho $$ > "
                                   + path("sh.pid") + "\nwait\n");
  auto check = factory_->create(spec({{"command", cmd}, {"timeout", "20s"}}), io_);
  bool called = false;
  check->start([&](CheckResult) { called = true; });
  pid_t sh = pidFrom("sh.pid");
  pid_t bg = pidFrom("bg.pid");
  ASSERT_GT(sh, 0);
  ASSERT_GT(bg, 0);
  check->cancel();
  EXPECT_TRUE(runUntil([&] { return reaped(sh) && processGone(bg); }));
  io_.restart();
  io_.poll();
  EXPECT_FALSE(called);
  check->cancel();  // idle: harmless
}

TEST_F(ExecCheckTest, DestroyingARunningCheckKillsAndReaps) {
  auto cmd = script("hang.sh", "echo $$ > " + path("sh.pid") + "\nexec sleep 100\n");
  bool called = false;
  pid_t sh = 0;
  {
    auto check = factory_->create(spec({{"command", cmd}, {"timeout", "20s"}}), io_);
    check->start([&](CheckResult) { called = true; });
    sh = pidFrom("sh.pid");
    ASSERT_GT(sh, 0);
  }
  EXPECT_TRUE(runUntil([&] { return reaped(sh); }));
  EXPECT_FALSE(called);
}

TEST_F(ExecCheckTest, LoopTornDownMidRunStillReaps) {
  auto cmd = script("hang.sh", "echo $$ > " + path("sh.pid") + "\nexec sleep 100\n");
  pid_t sh = 0;
  {
    boost::asio::io_context io;
    auto check = factory_->create(spec({{"command", cmd}, {"timeout", "20s"}}), io);
    check->start([&](CheckResult) {});
    sh = pidFrom("sh.pid");
    ASSERT_GT(sh, 0);
    check.reset();  // kills; the reap is left pending on a loop that never runs again
  }
  EXPECT_TRUE(reaped(sh));
}

TEST_F(ExecCheckTest, ManyConcurrentRunsOnOneLoop) {
  auto cmd = script("n.sh", "echo \"run $1\"\n");
  constexpr int kRuns = 40;
  std::vector<std::unique_ptr<Check>> checks;
  std::vector<CheckResult> results;
  for (int i = 0; i < kRuns; ++i) {
    checks.push_back(factory_->create(spec({{"command", cmd},
                                            {"args", {std::to_string(i)}},
                                            {"expect", "run " + std::to_string(i)}}),
                                      io_));
  }
  for (auto& check : checks) {
    check->start([&](CheckResult r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(runUntil([&] { return results.size() == checks.size(); }, seconds(30)));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, Status::kOk) << r.message;
  }
}

}  // namespace
}  // namespace ninevolt::checks

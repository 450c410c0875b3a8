#include "checks/exec/exec_check.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/exec/exec_type.h"
#include "checks/exec/nagios.h"
#include "checks/exec/output.h"
#include "checks/exec/spawn.h"
#include "checks/per_run_check.h"
#include "common/duration.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

std::string signalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

std::string withLine(std::string message, const std::string& line) {
  return line.empty() ? message : std::move(message) + ": " + line;
}

// One run: one child process. Pending handlers (output read, pidfd wait, timer) hold the run,
// so it outlives a cancelled or destroyed ExecCheck until the child is reaped; `finished_`
// turns late completions into no-ops, so `done` is called at most once.
//
// The run ends when the child has exited and its output pipe reached EOF. On exit the rest of
// the child's process group is killed (a run owns everything it started), so EOF follows at
// once unless something that left the group holds the pipe; then the run ends at `timeout`
// with the exit status and the output read so far.
class ExecRun : public std::enable_shared_from_this<ExecRun> {
 public:
  static constexpr bool kStartsProcess = true;
  using Settings = config::MonitorSpec;
  ExecRun(std::shared_ptr<const config::MonitorSpec> spec, asio::io_context& io, Check::DoneFn done)
      : spec_(std::move(spec)),
        io_(io),
        pidfd_(io),
        output_pipe_(io),
        timer_(io),
        output_(static_cast<size_t>(opts().max_output)),
        done_(std::move(done)) {}

  // Only when the loop is torn down with the child still unreaped (its pidfd wait dropped):
  // the child is killed and reaped here, so no zombie outlives the check.
  ~ExecRun() {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  ExecRun(const ExecRun&) = delete;
  const exec::ExecSpec& opts() const { return spec_->options<exec::ExecSpec>(); }
  ExecRun& operator=(const ExecRun&) = delete;

  void start() {
    started_ = SteadyClock::now();
    auto self = shared_from_this();
    auto child = exec::spawnChild(opts().command, opts().args);
    if (!child) {
      spdlog::warn("exec check '{}': {}", spec_->name, child.error().message);
      asio::post(io_, [self, message = child.error().message] {
        if (!self->finished_) {
          self->finish(CheckResult::unknown(message));
        }
      });
      return;
    }
    pid_ = child->pid;
    error_code ec;
    pidfd_.assign(child->pidfd, ec);
    if (ec) {
      ::close(child->pidfd);
    } else {
      output_pipe_.assign(child->output_fd, ec);
    }
    if (ec) {
      // The loop cannot watch it (epoll refused): give up on this run, leave nothing behind.
      ::close(child->output_fd);
      ::kill(-pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
      spdlog::warn("exec check '{}': cannot watch pid {}: {}", spec_->name, pid_, ec.message());
      asio::post(io_, [self, message = "cannot watch the process: " + ec.message()] {
        if (!self->finished_) {
          self->finish(CheckResult::unknown(message));
        }
      });
      return;
    }
    readOutput();
    waitForExit();
    timer_.expires_after(spec_->timeout);
    timer_.async_wait([self](error_code ec) {
      if (!ec) {
        self->onTimer();
      }
    });
  }

  // Stops the run without calling `done`: kills the process group now; the pidfd wait
  // still pending reaps it.
  void cancel() {
    finished_ = true;
    done_ = nullptr;
    killGroup();
    release();
  }

 private:
  void readOutput() {
    auto self = shared_from_this();
    output_pipe_.async_read_some(asio::buffer(chunk_), [self](error_code ec, size_t n) {
      if (self->finished_) {
        return;
      }
      self->output_.append(std::string_view(self->chunk_.data(), n));
      if (!ec) {
        self->readOutput();  // past max-output too: a full pipe would block the child
        return;
      }
      self->output_done_ = true;  // EOF: every writer has gone
      self->maybeFinish();
    });
  }

  void waitForExit() {
    auto self = shared_from_this();
    pidfd_.async_wait(asio::posix::stream_descriptor::wait_read, [self](error_code ec) {
      if (ec != asio::error::operation_aborted) {
        self->onPidfdReadable();
      }
    });
  }

  void onPidfdReadable() {
    siginfo_t info{};
    int rc = 0;
    // WNOWAIT: look without reaping, so the pgid cannot be reused before the kill below.
    while ((rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT)) < 0
           && errno == EINTR) {
    }
    if (rc < 0) {
      // ECHILD: something else in the process reaped it (SIGCHLD set to SIG_IGN, a
      // waitpid(-1)). The pid may be reused already, so never signal it again.
      spdlog::warn("exec check '{}': exit status of pid {} lost: {}", spec_->name, pid_,
                   std::system_category().message(errno));
      reaped_ = true;
      status_lost_ = true;
    } else if (info.si_pid == 0) {
      waitForExit();  // not exited after all
      return;
    } else {
      ::kill(-pid_, SIGKILL);  // stragglers of the group
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
      signaled_ = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
      exit_status_ = info.si_status;
    }
    error_code ignored;
    pidfd_.close(ignored);
    exited_ = true;
    maybeFinish();
  }

  void onTimer() {
    if (finished_) {
      return;
    }
    if (exited_) {
      // Exited, but something outside its group still holds the output pipe.
      finishWithExitStatus();
      return;
    }
    killGroup();
    std::string message = fmt::format("timed out after {} while running {} (process group killed)",
                                      common::formatDuration(spec_->timeout), opts().command);
    finish(CheckResult::critical(withLine(message, exec::firstLine(output_.kept())),
                                 Failure::kTimeout));
  }

  void maybeFinish() {
    if (!finished_ && exited_ && output_done_) {
      finishWithExitStatus();
    }
  }

  void finishWithExitStatus() {
    const std::string& out = output_.kept();
    if (status_lost_) {
      finish(CheckResult::unknown(
          fmt::format("exit status of {} lost (reaped elsewhere)", opts().command)));
      return;
    }
    CheckResult result;
    if (opts().plugin == "nagios") {
      result = nagiosResult();
    } else if (signaled_) {
      result = CheckResult::critical(
          withLine(fmt::format("killed by {}", signalName(exit_status_)), exec::firstLine(out)),
          Failure::kPlugin);
    } else if (exit_status_ != opts().return_code) {
      result = CheckResult::critical(
          withLine(fmt::format("exit {}, want {}", exit_status_, opts().return_code),
                   exec::firstLine(out)),
          Failure::kPlugin);
    } else {
      result =
          CheckResult::ok(withLine(fmt::format("exit {}", exit_status_), exec::firstLine(out)));
    }
    if (!opts().expect.empty() && out.find(opts().expect) == std::string::npos
        && result.status < Status::kCritical) {
      result.status = Status::kCritical;
      result.message = fmt::format("expected \"{}\" not found in output", opts().expect);
      result.failure = Failure::kExpect;
    }
    result.values["exit_code"] = signaled_ ? 128 + exit_status_ : exit_status_;
    finish(std::move(result));
  }

  CheckResult nagiosResult() {
    if (signaled_) {
      return CheckResult::unknown(withLine(fmt::format("killed by {}", signalName(exit_status_)),
                                           exec::firstLine(output_.kept())),
                                  Failure::kPlugin);
    }
    auto parsed = exec::parseNagiosOutput(output_.kept());
    CheckResult result;
    result.status = exec::nagiosStatus(exit_status_);
    result.failure = result.status == Status::kOk ? Failure::kNone : Failure::kPlugin;
    result.message = parsed.message.empty() ? fmt::format("exit {}", exit_status_) : parsed.message;
    if (exit_status_ > 3) {
      result.message =
          fmt::format("exit {} is not a Nagios status: {}", exit_status_, result.message);
    }
    result.values = std::move(parsed.perfdata);
    return result;
  }

  void finish(CheckResult result) {
    finished_ = true;
    release();
    result.phases.emplace_back("total", SteadyClock::now() - started_);
    result.values["output_bytes"] = static_cast<double>(output_.total());
    auto done = std::move(done_);  // `done` may start the next run, replacing this one
    done_ = nullptr;
    if (done) {
      done(std::move(result));
    }
  }

  void release() {
    error_code ignored;
    timer_.cancel();
    output_pipe_.close(ignored);
  }

  void killGroup() {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
    }
  }

  std::shared_ptr<const config::MonitorSpec> spec_;
  asio::io_context& io_;
  asio::posix::stream_descriptor pidfd_;
  asio::posix::stream_descriptor output_pipe_;
  asio::steady_timer timer_;
  exec::OutputBuffer output_;
  std::array<char, 65536> chunk_{};
  Check::DoneFn done_;
  SteadyClock::time_point started_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool exited_ = false;
  bool output_done_ = false;
  bool finished_ = false;
  bool status_lost_ = false;
  bool signaled_ = false;
  int exit_status_ = 0;
};

using ExecCheck = PerRunCheck<ExecRun>;

class ExecCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return ExecCheck::forMonitor(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeExecCheckFactory() {
  return std::make_unique<ExecCheckFactory>();
}

}  // namespace ninevolt::checks

std::unique_ptr<ninevolt::checks::CheckFactory> ninevolt::checks::exec::makeFactory(
    const FactoryContext& /*context*/) {
  return makeExecCheckFactory();
}

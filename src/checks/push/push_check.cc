#include "checks/push/push_check.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "checks/loop_link.h"
#include "checks/push/push_board.h"
#include "checks/push/push_type.h"
#include "checks/run_support.h"
#include "common/clock.h"
#include "common/duration.h"

namespace ninevolt::checks::push {
namespace {

namespace asio = boost::asio;
using common::SystemTime;

struct PushSettings {
  explicit PushSettings(const config::MonitorSpec& spec)
      : name(spec.name),
        interval(spec.interval),
        grace(spec.options<PushSpec>().grace),
        timeout(spec.timeout) {}
  std::string name;
  Nanos interval;
  Nanos grace;
  Nanos timeout;
};

std::string seconds(SystemTime t) {
  return common::formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

// "via member m1: <message>" of a push, for results.
std::string pushDetail(const store::PushRecord& r) {
  std::string out =
      fmt::format("at {} via member {}", seconds(*r.time), r.member.empty() ? "?" : r.member);
  if (!r.message.empty()) {
    out += ": " + r.message;
  }
  return out;
}

// One push check on one loop. A run looks at this member's copy of the check's push record
// (PushBoard) and judges it at once; it calls etcd (on the board's thread) only to start the
// deadline of a check nobody pushed to yet, and to confirm a push is missed before saying so:
// a copy that lags behind etcd must never raise an alert. What it cannot decide (etcd does
// not answer) is no verdict: the check's state stays as it was.
class PushCheck final : public Check {
 public:
  PushCheck(const config::MonitorSpec& spec, asio::io_context& io, std::shared_ptr<PushBoard> board)
      : settings_(spec), io_(io), loop_(loopLink(io)), board_(std::move(board)) {}
  ~PushCheck() override { cancel(); }
  PushCheck(const PushCheck&) = delete;
  PushCheck& operator=(const PushCheck&) = delete;

  void start(DoneFn done) override {
    cancel();
    auto run = std::make_shared<Run>(io_, std::move(done));
    run_ = run;
    if (!board_) {
      post(run, CheckResult::unknown(
                    "push checks are judged by the cluster's members from the pushes they take "
                    "(POST /api/v1/push/<check>); `9volt check` runs no cluster"));
      return;
    }
    run->timer.expires_after(settings_.timeout);
    run->timer.async_wait([this, run](const boost::system::error_code& ec) {
      if (!ec && !run->over) {
        finish(run, CheckResult::noVerdict(fmt::format("etcd did not answer within {}",
                                                       common::formatDuration(settings_.timeout))));
      }
    });
    auto look = board_->look(settings_.name);
    if (!look.synced) {
      post(run, CheckResult::noVerdict("this member has not read the push records from etcd yet "
                                       "(or its watch is broken)"));
    } else if (!look.record) {
      arm(run);
    } else {
      asio::post(io_, [this, run, record = std::move(*look.record)] {
        if (!run->over) {
          judge(run, record, false);
        }
      });
    }
  }

  void cancel() override {
    if (run_) {
      run_->over = true;
      run_->timer.cancel();
      run_.reset();
    }
  }

 private:
  struct Run {
    Run(asio::io_context& io, DoneFn d) : timer(io), done(std::move(d)) {}
    asio::steady_timer timer;
    DoneFn done;
    bool over = false;  // reported or cancelled: nothing more happens
  };

  // `fn` run on the loop later, unless the run is over by then. Handlers from the board's
  // thread hold only the Run; `this` is touched only while the run is not over, and the
  // check cancels its run before it goes away.
  // At shutdown the loop may be gone before the board's thread calls back: LoopLink.
  template <class Fn>
  auto onLoop(const std::shared_ptr<Run>& run, Fn fn) {
    return [loop = loop_, run, fn = std::move(fn)](auto result) mutable {
      loop->post([run, fn = std::move(fn), result = std::move(result)]() mutable {
        if (!run->over) {
          fn(std::move(result));
        }
      });
    };
  }

  void post(const std::shared_ptr<Run>& run, CheckResult result) {
    asio::post(io_, [this, run, result = std::move(result)]() mutable {
      if (!run->over) {
        finish(run, std::move(result));
      }
    });
  }

  void finish(std::shared_ptr<Run> run, CheckResult result) {  // by value: run_ may be reset
    run->over = true;
    run->timer.cancel();
    if (run_ == run) {
      run_.reset();
    }
    report(std::move(run->done), std::move(result), "push", settings_.name);
  }

  // Nobody pushed yet and no owner started the deadline: start it in etcd, where a later
  // owner finds it (so a failover neither restarts nor shortens it).
  void arm(const std::shared_ptr<Run>& run) {
    board_->arm(settings_.name, std::chrono::system_clock::now(),
                onLoop(run, [this, run](Result<store::PushRecord> armed) {
                  if (!armed) {
                    finish(run, CheckResult::noVerdict("cannot start the push deadline in etcd: "
                                                       + armed.error().message));
                  } else {
                    judge(run, *armed, true);
                  }
                }));
  }

  // `fresh`: the record was just read from etcd (not this member's copy).
  void judge(const std::shared_ptr<Run>& run, const store::PushRecord& record, bool fresh) {
    const SystemTime now = std::chrono::system_clock::now();
    const SystemTime since = record.time ? *record.time : *record.armed;
    const SystemTime deadline = since + settings_.interval + settings_.grace;
    const Nanos age = std::max<Nanos>(Nanos(0), now - since);
    CheckResult result;
    if (now <= deadline) {
      if (!record.time) {
        result =
            CheckResult::ok(fmt::format("no push yet; the first is due by {}", seconds(deadline)));
      } else if (record.failed) {
        result = CheckResult::critical("the job reported a failure " + pushDetail(record),
                                       Failure::kPlugin);
      } else {
        result = CheckResult::ok("last push " + pushDetail(record));
      }
    } else if (!fresh && confirmed_missed_ != since) {
      // Late by this member's copy: etcd has the last word (a push another member took a
      // moment ago may not have reached the copy yet).
      board_->read(
          settings_.name,
          onLoop(run, [this, run, since](Result<std::optional<store::PushRecord>> now_stored) {
            if (!now_stored) {
              finish(run, CheckResult::noVerdict(fmt::format(
                              "no push since {} by this member's copy, and etcd could not "
                              "be read to confirm: {}",
                              seconds(since), now_stored.error().message)));
            } else if (!*now_stored) {
              arm(run);  // deleted meanwhile (the monitor was removed and made again)
            } else {
              judge(run, **now_stored, true);
            }
          }));
      return;
    } else {
      confirmed_missed_ = since;
      const std::string expected =
          fmt::format("expected every {} + {} grace", common::formatDuration(settings_.interval),
                      common::formatDuration(settings_.grace));
      result = CheckResult::critical(
          record.time ? fmt::format("no push since {} ({}; last push {})", seconds(since), expected,
                                    pushDetail(record))
                      : fmt::format("no push at all since {} ({})", seconds(since), expected),
          Failure::kMissed);
    }
    if (record.time) {
      result.values["seconds_since_push"] = std::chrono::duration<double>(age).count();
    }
    finish(run, std::move(result));
  }

  PushSettings settings_;
  asio::io_context& io_;
  std::shared_ptr<LoopLink> loop_;    // for callbacks from the board's thread
  std::shared_ptr<PushBoard> board_;  // null in `9volt check`
  std::shared_ptr<Run> run_;
  // The push (or armed) time this check last confirmed with etcd as missed: later runs on
  // the same record need not read etcd again.
  std::optional<SystemTime> confirmed_missed_;
};

class PushFactory final : public CheckFactory {
 public:
  explicit PushFactory(std::shared_ptr<PushBoard> board) : board_(std::move(board)) {}
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    return std::make_unique<PushCheck>(*spec, io, board_);
  }

 private:
  std::shared_ptr<PushBoard> board_;
};

}  // namespace

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context) {
  return std::make_unique<PushFactory>(context.store ? std::make_shared<PushBoard>(context.store)
                                                     : nullptr);
}

}  // namespace ninevolt::checks::push

#include "locations/judge_check.h"

#include <boost/asio/post.hpp>

#include "locations/judge_type.h"
#include "locations/replica_board.h"

namespace ninevolt::locations {
namespace {

class JudgeCheck : public checks::Check {
 public:
  JudgeCheck(config::SharedMonitor spec, boost::asio::io_context& io,
             std::shared_ptr<ReplicaBoard> board)
      : spec_(std::move(spec)), io_(io), board_(std::move(board)) {}

  void start(DoneFn done) override {
    checks::CheckResult result = judge();
    // Never from inside start() (checks/check.h), and never after cancel().
    boost::asio::post(io_, [token = std::weak_ptr<int>(token_), done = std::move(done),
                            result = std::move(result)]() mutable {
      if (token.lock()) {
        done(std::move(result));
      }
    });
  }

  void cancel() override { token_ = std::make_shared<int>(0); }

 private:
  checks::CheckResult judge() {
    if (!board_) {
      return checks::CheckResult::noVerdict("locations are judged only in a cluster");
    }
    const auto& o = spec_->options<JudgeOptions>();
    auto look = board_->look(o.check, o.locations, o.member_tag);
    if (!look.synced) {
      return checks::CheckResult::noVerdict(
          "the members and location states are not in step with etcd now");
    }
    if (look.rows.empty()) {
      return checks::CheckResult::noVerdict("no live member in any location may run it");
    }
    const auto quorum =
        config::quorumOf(o.failing, o.recovered, static_cast<int>(look.rows.size()));
    auto result = judgeResult(look.rows, quorum, last_);
    if (result.verdict) {
      last_ = result.status == checks::Status::kOk        ? 0
              : result.status == checks::Status::kWarning ? 1
                                                          : 2;
    }
    return result;
  }

  config::SharedMonitor spec_;
  boost::asio::io_context& io_;
  std::shared_ptr<ReplicaBoard> board_;
  std::shared_ptr<int> token_ = std::make_shared<int>(0);  // replaced by cancel()
  // What this judge said last: with thresholds 0 it is the check's state (nullopt: no verdict
  // yet since it started here; the state is then the seed the engine started it with).
  std::optional<int> last_;
};

class JudgeFactory : public checks::CheckFactory {
 public:
  explicit JudgeFactory(std::shared_ptr<ReplicaBoard> board) : board_(std::move(board)) {}
  std::unique_ptr<checks::Check> create(const config::SharedMonitor& spec,
                                        boost::asio::io_context& io) const override {
    return std::make_unique<JudgeCheck>(spec, io, board_);
  }

 private:
  std::shared_ptr<ReplicaBoard> board_;
};

}  // namespace

std::unique_ptr<checks::CheckFactory> makeJudgeFactory(const checks::FactoryContext& context) {
  return std::make_unique<JudgeFactory>(
      context.store ? std::make_shared<ReplicaBoard>(context.store) : nullptr);
}

}  // namespace ninevolt::locations

#include "cluster/confirmer.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/placement.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/printable.h"
#include "common/thread_name.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {
namespace {

constexpr auto kCallTimeout = std::chrono::milliseconds(1000);
// A request older than this is not run: its asker decided alone long ago.
constexpr auto kStaleRequest = std::chrono::seconds(60);

}  // namespace

Confirmer::Confirmer(std::shared_ptr<store::Store> store, Options options)
    : store_(store->withCallTimeout(kCallTimeout)),
      options_(std::move(options)),
      work_(boost::asio::make_work_guard(io_)) {
  thread_ = std::thread([this] {
    common::nameThisThread("9v-confirm");
    while (true) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("confirm: {}", e.what());
      }
    }
  });
}

Confirmer::~Confirmer() {
  stop();
}

void Confirmer::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  // On the confirmer's thread, after whatever was posted before (startWatches() among it):
  // the watches go, and the pending asks are answered.
  boost::asio::post(io_, [this] {
    requests_watch_.reset();
    answers_watch_.reset();
    for (auto& [id, p] : pending_) {
      p.timer->cancel();
      p.done({engine::ConfirmAnswer::kAlone, "", "this member is stopping"});
    }
    pending_.clear();
  });
  work_.reset();
  thread_.join();
  std::lock_guard lock(runs_mu_);
  if (runs_) {
    runs_->join();  // each run ends within its check's timeout
  }
}

void Confirmer::setLease(int64_t lease) {
  lease_ = lease;
  if (lease != 0 && !watching_.exchange(true)) {
    boost::asio::post(io_, [this] { startWatches(); });
  }
}

void Confirmer::startWatches() {
  if (stopped_) {
    return;
  }
  requests_watch_ = store_->watchConfirmRequests(
      options_.member_id, [this](const etcd::WatchUpdate& u) { onRequests(u); });
  answers_watch_ = store_->watchConfirmAnswers(
      options_.member_id, [this](const etcd::WatchUpdate& u) { onAnswers(u); });
}

void Confirmer::ask(const config::SharedMonitor& spec, const checks::CheckResult& result,
                    std::function<void(engine::ConfirmAnswer)> done) {
  (void)result;
  const auto deadline = std::chrono::steady_clock::now() + spec->timeout + options_.extra;
  if (stopped_) {
    done({engine::ConfirmAnswer::kAlone, "", "this member is stopping"});
    return;
  }
  asked_++;
  boost::asio::post(io_, [this, spec, deadline, done = std::move(done)]() mutable {
    askNow(spec, deadline, std::move(done));
  });
}

std::string Confirmer::pick(const config::MonitorSpec& spec,
                            const std::vector<store::MemberInfo>& members) const {
  auto eligible = [&](const store::MemberInfo& m) {
    return m.id != options_.member_id
           && (spec.member_tag.empty()
               || std::find(m.tags.begin(), m.tags.end(), spec.member_tag) != m.tags.end());
  };
  const bool elsewhere = std::any_of(members.begin(), members.end(), [&](const auto& m) {
    return eligible(m) && m.location != options_.location;
  });
  const uint64_t h = nameHash(spec.name);
  std::string best;
  uint64_t best_weight = 0;
  for (const auto& m : members) {
    if (!eligible(m) || (elsewhere && m.location == options_.location)) {
      continue;
    }
    const uint64_t w = rendezvousWeight(h, nameHash(m.id));
    if (best.empty() || w > best_weight || (w == best_weight && m.id < best)) {
      best = m.id;
      best_weight = w;
    }
  }
  return best;
}

void Confirmer::askNow(const config::SharedMonitor& spec,
                       std::chrono::steady_clock::time_point deadline,
                       std::function<void(engine::ConfirmAnswer)> done) {
  auto alone = [&](std::string why) {
    spdlog::info("confirm: '{}' not confirmed ({}): deciding alone", spec->name, why);
    done({engine::ConfirmAnswer::kAlone, "", std::move(why)});
  };
  if (stopped_) {
    return alone("this member is stopping");
  }
  const int64_t lease = lease_;
  if (lease == 0) {
    return alone("this member holds no lease");
  }
  auto members = store_->listMembers();
  if (!members) {
    return alone("cannot read the members: " + members.error().message);
  }
  const std::string to = pick(*spec, *members);
  if (to.empty()) {
    return alone("no other member may run it");
  }
  store::ConfirmRequest request{
      .id = fmt::format("{}-{}-{}", options_.member_id,
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count(),
                        ++seq_),
      .check = spec->name,
      .from = options_.member_id,
      .asked = common::formatRfc3339(std::chrono::system_clock::now())};
  if (auto put = store_->askConfirmation(to, request, lease); !put) {
    return alone(fmt::format("cannot ask {}: {}", to, put.error().message));
  }
  auto timer = std::make_unique<boost::asio::steady_timer>(io_);
  timer->expires_at(deadline);
  const std::string id = request.id;
  timer->async_wait(
      [this, id, to, limit = spec->timeout + options_.extra](const boost::system::error_code& ec) {
        if (ec) {
          return;
        }
        finish(id, {engine::ConfirmAnswer::kAlone, "",
                    fmt::format("no answer from {} within {}", to, common::formatDuration(limit))});
      });
  pending_[id] = Pending{to, std::move(done), std::move(timer)};
}

void Confirmer::finish(const std::string& id, engine::ConfirmAnswer answer) {
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    return;  // answered or given up already
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  if (answer.kind == engine::ConfirmAnswer::kAlone) {
    spdlog::info("confirm: {}: {}: deciding alone", id, answer.message);
  }
  p.done(std::move(answer));
  if (auto gone = store_->forgetConfirmation(p.to, options_.member_id, id); !gone) {
    // Both keys live on members' leases: they go with them at the latest.
    spdlog::warn("confirm: cannot delete the keys of {}: {}", id, gone.error().message);
  }
}

void Confirmer::onAnswers(const etcd::WatchUpdate& u) {
  if (u.kind != etcd::WatchUpdate::kEvents) {
    return;  // a broken watch: the pending asks time out and decide alone
  }
  for (const auto& ev : u.events) {
    if (ev.type == etcd::WatchEvent::kDelete) {
      continue;
    }
    auto reply = store::decodeConfirmReply(ev.kv.value);
    if (!reply) {
      store_->rejections().reject(ev.kv, "confirmation answer: " + reply.error().message);
      continue;
    }
    engine::ConfirmAnswer answer;
    answer.member = reply->by;
    answer.message = reply->message;
    if (!reply->ran) {
      answer.kind = engine::ConfirmAnswer::kAlone;
      answer.message = fmt::format("{} could not run it: {}", reply->by, reply->message);
    } else {
      answer.kind = reply->status == "ok" ? engine::ConfirmAnswer::kNotConfirmed
                                          : engine::ConfirmAnswer::kConfirmed;
    }
    boost::asio::post(io_, [this, id = reply->id, answer = std::move(answer)]() mutable {
      finish(id, std::move(answer));
    });
  }
}

void Confirmer::onRequests(const etcd::WatchUpdate& u) {
  if (u.kind != etcd::WatchUpdate::kEvents) {
    return;
  }
  for (const auto& ev : u.events) {
    if (ev.type == etcd::WatchEvent::kDelete) {
      continue;
    }
    auto request = store::decodeConfirmRequest(ev.kv.value);
    if (!request) {
      store_->rejections().reject(ev.kv, "confirmation request: " + request.error().message);
      continue;
    }
    auto asked = common::parseRfc3339(request->asked);
    if (!asked || std::chrono::system_clock::now() - *asked > kStaleRequest) {
      continue;  // its asker decided alone long ago
    }
    if (running_answers_.fetch_add(1) >= static_cast<int>(options_.max_runs)) {
      running_answers_--;
      store::ConfirmReply busy{.id = request->id,
                               .check = request->check,
                               .by = options_.member_id,
                               .ran = false,
                               .status = "",
                               .message = "busy: too many confirmations at once"};
      (void)store_->answerConfirmation(busy, request->from, lease_);
      continue;
    }
    std::lock_guard lock(runs_mu_);
    boost::asio::post(runs(), [this, r = std::move(*request)]() mutable {
      answer(std::move(r));
      running_answers_--;
    });
  }
}

boost::asio::thread_pool& Confirmer::runs() {
  if (!runs_) {
    common::ScopedThreadName name("9v-confirm-run");
    runs_.emplace(2);
  }
  return *runs_;
}

void Confirmer::answer(store::ConfirmRequest request) {
  store::ConfirmReply reply{.id = request.id, .check = request.check, .by = options_.member_id};
  auto stored = store_->getConfig(store::ConfigKind::kMonitor, request.check);
  if (!stored || !*stored) {
    reply.message =
        stored ? "no such monitor" : "cannot read its monitor: " + stored.error().message;
  } else {
    config::Problems problems;
    auto value = store::decodeJson((*stored)->text);
    auto spec = value ? config::parseMonitor(request.check, *value, problems) : std::nullopt;
    if (!spec) {
      reply.message = "its monitor does not parse here";
    } else {
      auto results = engine::runOnce(*options_.registry, {*spec});
      reply.ran = true;
      reply.status = std::string(checks::statusName(results.front().status));
      // Cut as the reader cuts it (never inside a UTF-8 sequence: the value is JSON).
      reply.message =
          results.front().message.size() > store::ConfirmReply::kMaxMessage
              ? common::printable(results.front().message, store::ConfirmReply::kMaxMessage)
              : results.front().message;
      answered_++;
      spdlog::info("confirm: ran '{}' for {}: {}: {}", request.check, request.from, reply.status,
                   reply.message);
    }
  }
  if (auto put = store_->answerConfirmation(reply, request.from, lease_); !put) {
    spdlog::warn("confirm: cannot answer {} for '{}': {}", request.from, request.check,
                 put.error().message);
  }
}

}  // namespace ninevolt::cluster

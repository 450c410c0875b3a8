#include "cluster/state_publisher.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/placement.h"
#include "common/clock.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "state/state_machine.h"

namespace ninevolt::cluster {
namespace {
constexpr size_t kOpsPerTxn = 120;
constexpr size_t kDigestTxnBytes = 1024 * 1024;  // well under etcd's 1.5 MiB request limit
}  // namespace

StatePublisher::StatePublisher(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                               Options options)
    : io_(io),
      store_(std::move(store)),
      options_(std::move(options)),
      flush_timer_(io),
      digest_timer_(io) {}

void StatePublisher::onResult(const engine::RunReport& r) {
  // Engine worker thread, every run: copy only what apply() needs; the JSON is built there,
  // and only for the few runs that change something.
  lifetime_.post(io_,
                 [this, check = r.check, state = r.state, result = r.result.status, count = r.count,
                  message = r.result.message, time = r.result.time, duration = r.result.duration] {
                   apply(check, state, result, count, message, time, duration);
                 });
}

void StatePublisher::apply(const std::string& check, state::CheckState state, checks::Status result,
                           int count, const std::string& message, common::SystemTime time,
                           common::Nanos duration) {
  if (!running_) {
    return;
  }
  last_run_[check] =
      std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  const std::string status(state::stateName(state));
  Last& last = written_[check];
  if (last.status == status && last.count == count && last.message == message) {
    return;  // nothing an operator would see changed
  }
  last = {status, count, message};
  pending_[check] =
      nlohmann::json{{"check", check},
                     {"owner", options_.member_id},
                     {"status", status},
                     {"result", std::string(checks::statusName(result))},
                     {"count", count},
                     {"message", message},
                     {"date", common::formatRfc3339(time)},
                     {"duration_ms", std::chrono::duration<double, std::milli>(duration).count()}};
}

void StatePublisher::start(int64_t lease_id) {
  const bool moved = lease_id != lease_id_;
  lease_id_ = lease_id;
  if (running_) {
    if (moved) {
      // The digest keys are on the old lease, which is going: rewrite them on this one now.
      digest_timer_.cancel();
      writeDigest();
    }
    return;
  }
  running_ = true;
  scheduleFlush();
  writeDigest();
}

void StatePublisher::setDigestInterval(std::chrono::milliseconds interval) {
  if (interval == options_.digest_interval) {
    return;
  }
  options_.digest_interval = interval;
  if (running_) {
    // The next digest one new interval from now (not after the rest of the old one).
    digest_timer_.expires_after(interval);
    digest_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
      if (!ec) {
        writeDigest();
      }
    }));
  }
}

void StatePublisher::forget(const std::string& check) {
  written_.erase(check);
  pending_.erase(check);
  last_run_.erase(check);
}

void StatePublisher::scheduleFlush() {
  flush_timer_.expires_after(options_.flush_interval);
  flush_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      flush();
      scheduleFlush();
    }
  }));
}

void StatePublisher::flush() {
  const auto& keys = store_->keys();
  while (!pending_.empty()) {
    // Each put only while its monitor exists: a result that was pending when the monitor
    // was deleted must not bring back the state key the director just deleted. If a
    // compare fails, the other branch reads those monitors and the gone ones are dropped.
    std::vector<etcd::Compare> exists;
    std::vector<etcd::TxnOp> ops;
    std::vector<etcd::TxnOp> reads;
    std::vector<std::string> names;
    for (auto it = pending_.begin(); it != pending_.end() && ops.size() < kOpsPerTxn; ++it) {
      exists.push_back(etcd::Compare::version(keys.monitor(it->first), etcd::Compare::kGreater, 0));
      // dumpJson: a check's message may carry bytes of the target's that are not UTF-8.
      ops.push_back(etcd::TxnOp::put(keys.state(it->first), common::dumpJson(it->second)));
      reads.push_back(etcd::TxnOp::get(keys.monitor(it->first)));
      names.push_back(it->first);
    }
    auto res = store_->client().txn(exists, ops, reads);
    if (!res) {
      // Keep them; they go out on a later flush. The written_ marks stay, so a newer
      // result for the same check simply replaces the pending value.
      spdlog::warn("state: {} write(s) waiting: {}", pending_.size(), res.error().message);
      return;
    }
    if (!res->succeeded) {
      size_t dropped = 0;
      for (size_t i = 0; i < names.size() && i < res->responses.size(); ++i) {
        if (res->responses[i].kvs.empty()) {
          spdlog::info("state: not writing the state of '{}': its monitor was deleted", names[i]);
          forget(names[i]);
          dropped++;
        }
      }
      if (dropped == 0) {
        return;  // a short answer (the reads see the compares' revision): next flush
      }
      continue;  // the rest of the batch again
    }
    for (const auto& n : names) {
      pending_.erase(n);
    }
    writes_ += names.size();
  }
}

void StatePublisher::writeDigest() {
  if (!last_run_.empty()) {
    std::map<uint32_t, nlohmann::json> shards;
    for (const auto& [name, t] : last_run_) {
      shards[shardOf(name)][name] = t;
    }
    // etcd refuses a request larger than its --max-request-bytes (1.5 MiB by default), and a
    // digest takes ~21 bytes per check: the shards go out in as few txns as keep each under
    // kDigestTxnBytes. Up to ~50,000 checks on one member that is one txn (one revision)
    // per round; a member with 100,000 checks could not write its digest at all in one.
    std::vector<std::vector<etcd::TxnOp>> txns(1);
    size_t bytes = 0;
    const std::string prefix = store_->keys().digestPrefix() + options_.member_id + "/";
    for (const auto& [shard, j] : shards) {
      std::string key = prefix + shardName(shard);
      std::string value = common::dumpJson(j);
      const size_t size = key.size() + value.size();
      if (!txns.back().empty() && bytes + size > kDigestTxnBytes) {
        txns.emplace_back();
        bytes = 0;
      }
      bytes += size;
      txns.back().push_back(etcd::TxnOp::put(std::move(key), std::move(value), lease_id_));
    }
    for (const auto& ops : txns) {
      auto res = store_->client().txn({}, ops);
      if (!res) {
        spdlog::warn("state: digest not written: {}", res.error().message);
        break;
      }
    }
  }
  digest_timer_.expires_after(options_.digest_interval);
  digest_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      writeDigest();
    }
  }));
}

}  // namespace ninevolt::cluster

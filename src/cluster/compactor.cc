#include "cluster/compactor.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/json_fields.h"
#include "common/yaml_json.h"
#include "store/compaction_record.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {

Compactor::Compactor(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                     Options options)
    : store_(std::move(store)), options_(std::move(options)), timer_(io) {
  if (!options_.now_unix) {
    options_.now_unix = common::nowUnixSeconds;
  }
}

void Compactor::start() {
  started_ = true;
  schedule();
}

void Compactor::setInterval(std::chrono::seconds interval) {
  if (interval == options_.interval) {
    return;
  }
  spdlog::info("etcd compaction: every {}s{}", interval.count(),
               interval.count() == 0 ? " (off: etcd's own auto-compaction, if any)" : "");
  options_.interval = interval;
  if (started_) {
    schedule();
  }
}

void Compactor::schedule() {
  if (options_.interval.count() == 0) {
    timer_.cancel();
    return;
  }
  const auto period = std::clamp<std::chrono::seconds>(
      options_.interval / 5, std::chrono::seconds(1), std::chrono::minutes(1));
  timer_.expires_after(period);
  timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      check();
      schedule();
    }
  }));
}

void Compactor::check() {
  if (options_.interval.count() == 0) {
    return;
  }
  auto fence = options_.fence ? options_.fence() : std::nullopt;
  if (!fence) {
    return;  // not the director
  }
  const std::string key = store_->keys().compaction();
  auto read = store_->readCompactionRecord();
  if (!read) {
    spdlog::warn("etcd compaction: cannot read {}: {}", key, read.error().message);
    return;
  }
  const int64_t now = options_.now_unix();
  int64_t target = 0;    // the revision to compact to, once the new record is written
  int64_t age = 0;       // of that revision, seconds
  int64_t expected = 0;  // the record's mod revision when read (0: absent)
  if (read->kv) {
    const auto& kv = *read->kv;
    auto record = store::decodeCompaction(kv.value);
    auto at = record ? std::optional<int64_t>(record->unix) : std::nullopt;
    if (!at) {
      store_->rejections().reject(kv,
                                  "not a compaction record {\"member\", \"unix\"} (written anew; "
                                  "no compaction this round)");
    } else if (now - *at < options_.interval.count() && *at <= now) {
      return;  // not an interval old yet
    } else if (*at <= now) {
      target = kv.mod_revision;
      age = now - *at;
    }
    // A time in the future (another member's clock, or by hand) says nothing about the
    // record's age: rewritten, and compacted on the next round.
    expected = kv.mod_revision;
  }
  auto res = store_->putCompactionRecord(*fence, {options_.member_id, now}, expected);
  if (!res) {
    spdlog::warn("etcd compaction: cannot write {}: {}", key, res.error().message);
    return;
  }
  if (!*res) {
    // No longer the director, or another wrote the record meanwhile: nothing to do now.
    spdlog::info("etcd compaction: skipped (the director key or {} changed)", key);
    return;
  }
  if (target <= 0) {
    return;
  }
  auto compacted = store_->compact(target);
  if (!compacted) {
    if (compacted.error().message.find("compacted") != std::string::npos) {
      // etcd's own auto-compaction, or an operator, went further already: nothing lost.
      spdlog::debug("etcd compaction: {} is compacted already", target);
      return;
    }
    spdlog::warn("etcd compaction to revision {} failed: {}", target, compacted.error().message);
    return;
  }
  compacted_revision_ = target;
  compactions_++;
  spdlog::info("etcd compaction: history before revision {} (that of {}s ago) discarded", target,
               age);
}

}  // namespace ninevolt::cluster

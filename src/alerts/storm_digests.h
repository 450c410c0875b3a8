#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <tuple>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "alerts/storm.h"
#include "store/storm_store.h"

namespace ninevolt::alerts {

struct StormStats {
  uint64_t digested = 0;  // notifications this member put into a digest instead of sending
  uint64_t sent = 0;      // digests this member sent
  uint64_t failed = 0;    // digests given up
};

// The I/O side of storm digests (rules: storm.h), on the dispatcher's loop thread:
// - pass(): a state notification goes through its alerter's storm record (read, rules,
//   compare-and-swap), before it is sent;
// - digests: a member that put a change into a pending digest looks again when it is due;
//   every member also sweeps every record every `sweep` (a digest whose member died before it
//   was due, or while sending it). The member whose compare-and-swap moves a digest to the
//   record's outbox sends it (retried with backoff for retry_for), then removes it; a digest
//   in the outbox of a member that is gone is taken over and sent again under its number.
class StormDigests {
 public:
  struct Options {
    std::string member_id;
    std::string external_url;
    std::chrono::milliseconds timeout{10'000};  // one attempt
    std::chrono::milliseconds retry_for{15 * 60'000};
    std::chrono::milliseconds first_backoff{1'000};
    std::chrono::milliseconds max_backoff{60'000};
    std::chrono::milliseconds sweep{15'000};
    // One attempt to deliver n to the alerter, off the loop; `done` is then called on the
    // loop with the outcome (Errc::kInvalidArgument: retrying cannot help).
    std::function<void(const std::string& alerter, const Notification& n,
                       std::function<void(Result<void>)> done)>
        send;
    // Whether this member can send to the alerter (it knows it): a member that cannot claims
    // none of its digests, leaving them to one that can.
    std::function<bool(const std::string& alerter)> can_send;
    std::function<void(const std::string& type, const std::string& message)> on_event;
    std::function<void(const std::string& message)> on_info;  // a digest was sent
  };

  StormDigests(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ~StormDigests();
  StormDigests(const StormDigests&) = delete;
  StormDigests& operator=(const StormDigests&) = delete;

  void start();  // the sweeps (loop)
  void stop();   // no more timers or sends (loop); what is unsent stays in the records
  void setLimits(const StormLimits& limits);  // loop
  const StormLimits& limits() const { return limits_; }

  // What the notification's incident becomes when storm `storm` carries it: the guard and
  // write for the same txn as the storm record's, so that both are written or neither (a
  // member dying between them would count the change twice, or lose it). nullopt: drop the
  // notification (its incident moved on, or has it settled already: another member, or an
  // earlier pass, took care of it).
  using CarriedWrite =
      std::function<Result<std::optional<store::GuardedWrite>>(const std::string& storm)>;
  // A notification passes its alerter's storm record (loop; blocks on etcd): the storm number
  // whose digest carries it (its incident written by `carried` in the same txn), "" (send it
  // on its own), or nullopt (drop it: `carried` said so); an error when etcd could not be
  // read or kept changing (the caller looks whether the txn was written after all, else
  // sends it on its own: an alert is never lost to this).
  Result<std::optional<std::string>> pass(const std::string& alerter, const StormInput& in,
                                          const CarriedWrite& carried);

  StormStats stats() const;  // any thread

 private:
  using Key = std::tuple<std::string, int64_t, int64_t>;  // alerter, storm, digest n
  void armTimer(const std::string& alerter, common::SystemTime due);
  void onTimer();
  void sweep();
  // Claims and sends what the alerter's record has due (one digest at a time per storm).
  // `read`: the record as just read (the sweep's), used for the first round instead of
  // reading it again.
  void look(const std::string& alerter, const std::set<std::string>* live = nullptr,
            const store::StoredStorm* read = nullptr);
  void attempt(const std::string& alerter, DigestClaim claim, int attempts,
               std::chrono::steady_clock::time_point first_try);
  void finish(const std::string& alerter, const DigestClaim& claim, bool delivered, int tries = 0);
  void later(std::function<void()> fn, std::chrono::milliseconds delay);

  boost::asio::io_context& io_;
  store::StormStore storms_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  StormLimits limits_;
  bool stopped_ = true;
  // Digests this member is sending, or sent but could not record as sent (never claimed by
  // it again: the record's outbox still names it).
  std::set<Key> sending_;
  std::map<std::string, common::SystemTime> due_;     // alerter -> when to look again
  std::unique_ptr<boost::asio::steady_timer> timer_;  // for the earliest of due_
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex stats_mu_;
  StormStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ninevolt::alerts

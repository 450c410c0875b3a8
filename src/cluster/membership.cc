#include "cluster/membership.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ninevolt::cluster {

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
}  // namespace

Membership::Membership(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                       Options options)
    : io_(io), store_(std::move(store)), options_(std::move(options)), retry_timer_(io) {}

Membership::~Membership() {
  keeper_.reset();
  // A call in flight finishes (within its deadline); its outcome, posted to the loop, is
  // dropped by lifetime_. A lease it granted expires within its TTL (stop() revokes it).
  worker_.join();
}

Result<void> Membership::start() {
  Call call{.kind = Call::Kind::kLease, .member = options_.member, .ttl = options_.ttl};
  perform(*store_, call);
  if (!call.result) {
    return tl::unexpected(call.result.error());
  }
  onRegistered(call);
  return {};
}

void Membership::perform(store::Store& store, Call& call) {
  // Worker thread (or start()): nothing here may throw into the thread pool.
  try {
    if (call.kind == Call::Kind::kPut) {
      auto put = store.putMember(call.member, call.lease);
      call.result = put ? Result<void>{} : tl::unexpected(put.error());
      return;
    }
    auto lease = store.grantLease(call.ttl);
    if (!lease) {
      call.result = tl::unexpected(lease.error());
      return;
    }
    if (auto put = store.putMember(call.member, *lease); !put) {
      (void)store.revokeLease(*lease);
      call.result = tl::unexpected(put.error());
      return;
    }
    call.lease = *lease;
    call.result = {};
  } catch (const std::exception& e) {
    call.result = fail(Errc::kInternal, e.what());
  }
}

void Membership::submit(const std::shared_ptr<Call>& call) {
  in_flight_ = call;
  auto done = lifetime_.guard([this, call] { onDone(call); });
  boost::asio::post(worker_, [&io = io_, store = store_, call, done = std::move(done)]() mutable {
    perform(*store, *call);
    boost::asio::post(io, std::move(done));
  });
}

void Membership::onDone(const std::shared_ptr<Call>& call) {
  if (call != in_flight_) {
    return;  // stop() took its outcome over
  }
  in_flight_.reset();
  if (call->kind == Call::Kind::kLease) {
    onLeaseCall(*call);
  } else if (!call->result) {
    // Tried again at the next setChecks() call (every few seconds in the server).
    spdlog::debug("member {}: cannot update the check count in the record: {}", options_.member.id,
                  call->result.error().message);
  } else if (registered_ && call->lease == lease_id_) {
    checks_written_ = call->member.checks;
    degraded_written_ = call->member.degraded;
  }
  kick();
}

void Membership::onLeaseCall(const Call& call) {
  const std::string& id = options_.member.id;
  if (!call.result) {
    if (registered_) {
      // A move (setTtl) that etcd refused: the record stays where it is.
      spdlog::warn(
          "member {}: member-ttl {}s: cannot move the record to a new lease: {} (staying on "
          "lease {:x}, {}s, until the next registration)",
          id, call.ttl.count(), call.result.error().message, lease_id_, lease_ttl_.count());
      return;
    }
    // A registration (or a move overtaken by the loss of the lease) failed.
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    spdlog::warn("member {}: registration failed: {} (retrying in {}ms)", id,
                 call.result.error().message, backoff_.count());
    if (options_.on_change) {
      options_.on_change(false, "cannot register with etcd: " + call.result.error().message);
    }
    scheduleRetry();
    return;
  }
  if (!registered_) {
    // A registration, or a move that finished after the lease was lost: the record is on
    // a live lease either way, so the member is back.
    onRegistered(call);
    return;
  }
  const int64_t old_lease = std::exchange(lease_id_, call.lease);
  const auto old_ttl = std::exchange(lease_ttl_, call.ttl);
  checks_written_ = call.member.checks;
  degraded_written_ = call.member.degraded;
  keepAlive();                                 // the old lease's keeper stops here
  move_pending_ = options_.ttl != lease_ttl_;  // setTtl() again meanwhile
  spdlog::info(
      "member {}: member-ttl {}s -> {}s: record moved to lease {:x}; lease {:x} is no "
      "longer kept alive and expires within {}s",
      id, old_ttl.count(), lease_ttl_.count(), lease_id_, old_lease, old_ttl.count());
  if (options_.on_lease_moved) {
    options_.on_lease_moved(lease_id_);
  }
}

void Membership::onRegistered(const Call& call) {
  lease_id_ = call.lease;
  lease_ttl_ = call.ttl;
  checks_written_ = call.member.checks;
  degraded_written_ = call.member.degraded;
  keepAlive();
  registered_ = true;
  backoff_ = kFirstBackoff;
  retry_due_ = false;
  retry_timer_.cancel();
  // What changed while the registration was in flight follows at once (kick()).
  move_pending_ = options_.ttl != lease_ttl_;
  checks_pending_ =
      options_.member.checks != checks_written_ || options_.member.degraded != degraded_written_;
  spdlog::info("member {}: registered at {} on lease {:x} (ttl {}s)", options_.member.id,
               store_->keys().member(options_.member.id), lease_id_, lease_ttl_.count());
  if (options_.on_change) {
    options_.on_change(true, "registered");
  }
}

void Membership::kick() {
  if (stopped_ || in_flight_) {
    return;  // whatever is due starts when the call in flight is done
  }
  if (!registered_) {
    if (retry_due_) {
      retry_due_ = false;
      submit(std::make_shared<Call>(
          Call{.kind = Call::Kind::kLease, .member = options_.member, .ttl = options_.ttl}));
    }
    return;
  }
  if (std::exchange(move_pending_, false) && options_.ttl != lease_ttl_) {
    submit(std::make_shared<Call>(
        Call{.kind = Call::Kind::kLease, .member = options_.member, .ttl = options_.ttl}));
    return;
  }
  if (std::exchange(checks_pending_, false)
      && (options_.member.checks != checks_written_
          || options_.member.degraded != degraded_written_)) {
    submit(std::make_shared<Call>(
        Call{.kind = Call::Kind::kPut, .member = options_.member, .lease = lease_id_}));
  }
}

void Membership::keepAlive() {
  keeper_ = store_->keepLease(lease_id_, lease_ttl_, [this, lease = lease_id_](const Error& e) {
    // Keeper thread: hop onto the loop; ignore it there if we moved on meanwhile.
    lifetime_.post(io_, [this, lease, e] {
      if (lease == lease_id_) {
        onLeaseLost(e);
      }
    });
  });
}

void Membership::setChecks(int64_t checks) {
  options_.member.checks = checks;
  if (stopped_ || !registered_ || checks == checks_written_) {
    return;  // not registered: the next registration writes it
  }
  checks_pending_ = true;
  kick();
}

void Membership::setDegraded(bool degraded) {
  options_.member.degraded = degraded;
  if (stopped_ || !registered_ || degraded == degraded_written_) {
    return;  // not registered: the next registration writes it
  }
  checks_pending_ = true;
  kick();
}

void Membership::setTtl(std::chrono::seconds ttl) {
  if (ttl == options_.ttl) {
    return;
  }
  const auto old_ttl = std::exchange(options_.ttl, ttl);
  const std::string& id = options_.member.id;
  if (stopped_ || !registered_) {
    spdlog::info("member {}: member-ttl {}s -> {}s, from the next registration", id,
                 old_ttl.count(), ttl.count());
    return;
  }
  move_pending_ = true;
  kick();
}

void Membership::onLeaseLost(const Error& error) {
  if (stopped_) {
    return;
  }
  registered_ = false;
  move_pending_ = false;  // the registration takes the current TTL
  std::string reason = fmt::format("lost etcd lease {:x}: {}", lease_id_, error.message);
  spdlog::warn("member {}: {}; registering again", options_.member.id, reason);
  if (options_.on_change) {
    options_.on_change(false, reason);
  }
  scheduleRetry();
}

void Membership::scheduleRetry() {
  retry_due_ = false;  // the timer says when (a timer that fired meanwhile may have set it)
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (ec || stopped_ || registered_) {
      return;
    }
    retry_due_ = true;
    kick();  // on the worker; after the call in flight (a move, a count) if there is one
  }));
}

void Membership::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  retry_timer_.cancel();
  keeper_.reset();
  // Shutdown only: wait for the call in flight, then its outcome is ours (the one posted
  // to the loop is ignored). A lease it granted holds our record (or, for a move, a copy
  // of it): revoke it with the current one.
  worker_.join();
  if (auto call = std::exchange(in_flight_, nullptr);
      call && call->kind == Call::Kind::kLease && call->result && call->lease != 0) {
    auto r = store_->revokeLease(call->lease);
    if (r) {
      spdlog::info("member {}: lease {:x}, granted while stopping, revoked", options_.member.id,
                   call->lease);
    } else {
      spdlog::warn("member {}: could not revoke lease {:x}: {} (it expires in {}s)",
                   options_.member.id, call->lease, r.error().message, call->ttl.count());
    }
  }
  if (registered_ && lease_id_ != 0) {
    // Marked as leaving first: the director then tells a leave from a loss (an expired
    // lease), which the cluster alerter is told of. If etcd does not take it, the member
    // still leaves (and is reported lost).
    store::MemberInfo leaving = options_.member;
    leaving.leaving = true;
    if (auto put = store_->putMember(leaving, lease_id_); !put) {
      spdlog::warn("member {}: could not mark the record as leaving: {}", options_.member.id,
                   put.error().message);
    }
    auto r = store_->revokeLease(lease_id_);
    if (r) {
      spdlog::info("member {}: left the cluster (lease {:x} revoked)", options_.member.id,
                   lease_id_);
    } else {
      spdlog::warn("member {}: could not revoke lease {:x}: {} (it expires in {}s)",
                   options_.member.id, lease_id_, r.error().message, lease_ttl_.count());
    }
  }
  registered_ = false;
}

}  // namespace ninevolt::cluster

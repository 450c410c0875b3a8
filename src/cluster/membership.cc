#include "cluster/membership.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ninevolt::cluster {

Membership::Membership(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                       Options options)
    : io_(io), store_(std::move(store)), options_(std::move(options)), retry_timer_(io) {}

Membership::~Membership() {
  keeper_.reset();
}

Result<void> Membership::start() {
  return registerOnce();
}

Result<void> Membership::registerOnce() {
  keeper_.reset();
  auto lease = store_->client().grantLease(options_.ttl);
  if (!lease) {
    return tl::unexpected(lease.error());
  }
  auto put = store_->putMember(options_.member, *lease);
  if (!put) {
    (void)store_->client().revokeLease(*lease);
    return tl::unexpected(put.error());
  }
  lease_id_ = *lease;
  checks_written_ = options_.member.checks;
  keepAlive();
  registered_ = true;
  backoff_ = std::chrono::milliseconds(250);
  spdlog::info("member {}: registered at {} on lease {:x} (ttl {}s)", options_.member.id,
               store_->keys().member(options_.member.id), lease_id_, options_.ttl.count());
  if (options_.on_change) {
    options_.on_change(true, "registered");
  }
  return {};
}

void Membership::keepAlive() {
  etcd::LeaseKeeper::Options ko;
  ko.lease_id = lease_id_;
  ko.ttl = options_.ttl;
  ko.on_lost = [this, lease = lease_id_](const Error& e) {
    // Keeper thread: hop onto the loop; ignore it there if we moved on meanwhile.
    lifetime_.post(io_, [this, lease, e] {
      if (lease == lease_id_) {
        onLeaseLost(e);
      }
    });
  };
  keeper_ = std::make_unique<etcd::LeaseKeeper>(store_->sharedClient(), std::move(ko));
}

void Membership::setChecks(int64_t checks) {
  options_.member.checks = checks;
  if (stopped_ || !registered_ || checks == checks_written_) {
    return;
  }
  if (auto put = store_->putMember(options_.member, lease_id_); !put) {
    spdlog::debug("member {}: cannot update the check count in the record: {}", options_.member.id,
                  put.error().message);
    return;
  }
  checks_written_ = checks;
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
  auto lease = store_->client().grantLease(ttl);
  if (!lease) {
    spdlog::warn(
        "member {}: member-ttl {}s: cannot grant a lease now: {} (staying on lease {:x}, "
        "{}s, until the next registration)",
        id, ttl.count(), lease.error().message, lease_id_, old_ttl.count());
    return;
  }
  if (auto put = store_->putMember(options_.member, *lease); !put) {
    (void)store_->client().revokeLease(*lease);
    spdlog::warn(
        "member {}: member-ttl {}s: cannot move the record to a new lease: {} (staying "
        "on lease {:x}, {}s, until the next registration)",
        id, ttl.count(), put.error().message, lease_id_, old_ttl.count());
    return;
  }
  const int64_t old_lease = std::exchange(lease_id_, *lease);
  keepAlive();  // the old lease's keeper stops here
  spdlog::info(
      "member {}: member-ttl {}s -> {}s: record moved to lease {:x}; lease {:x} is no "
      "longer kept alive and expires within {}s",
      id, old_ttl.count(), ttl.count(), lease_id_, old_lease, old_ttl.count());
  if (options_.on_lease_moved) {
    options_.on_lease_moved(lease_id_);
  }
}

void Membership::onLeaseLost(const Error& error) {
  if (stopped_) {
    return;
  }
  registered_ = false;
  std::string reason = fmt::format("lost etcd lease {:x}: {}", lease_id_, error.message);
  spdlog::warn("member {}: {}; registering again", options_.member.id, reason);
  if (options_.on_change) {
    options_.on_change(false, reason);
  }
  scheduleRetry();
}

void Membership::scheduleRetry() {
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (ec || stopped_) {
      return;
    }
    auto r = registerOnce();
    if (!r) {
      spdlog::warn("member {}: registration failed: {} (retrying in {}ms)", options_.member.id,
                   r.error().message, backoff_.count());
      if (options_.on_change) {
        options_.on_change(false, "cannot register with etcd: " + r.error().message);
      }
      backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, std::chrono::seconds(5));
      scheduleRetry();
    }
  }));
}

void Membership::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  retry_timer_.cancel();
  keeper_.reset();
  if (registered_ && lease_id_ != 0) {
    auto r = store_->client().revokeLease(lease_id_);
    if (r) {
      spdlog::info("member {}: left the cluster (lease {:x} revoked)", options_.member.id,
                   lease_id_);
    } else {
      spdlog::warn("member {}: could not revoke lease {:x}: {} (it expires in {}s)",
                   options_.member.id, lease_id_, r.error().message, options_.ttl.count());
    }
  }
  registered_ = false;
}

}  // namespace ninevolt::cluster

#include "etcd/lease_keeper.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "etcd/client_impl.h"
#include "etcd/convert.h"

namespace ninevolt::etcd {

using detail::Clock;

struct LeaseKeeper::Impl {
  std::shared_ptr<Client> client;
  std::shared_ptr<detail::ClientImpl> grpc_client;
  Options options;

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;                   // guarded by mu
  grpc::ClientContext* ctx = nullptr;  // the open stream's, so the destructor can cancel it
  std::atomic<bool> alive{true};
  std::thread thread;

  void run();
  // One keep-alive: returns the TTL etcd answered (0 = the lease is gone).
  Result<int64_t> keepAliveOnce(Clock::time_point deadline);
  void lost(const Error& error);
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, d, [&] { return stop; });
  }
};

LeaseKeeper::LeaseKeeper(std::shared_ptr<Client> client, Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->grpc_client = detail::asImpl(client);
  impl_->client = std::move(client);
  impl_->options = std::move(options);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
    if (impl_->ctx != nullptr) {
      impl_->ctx->TryCancel();
    }
  }
  impl_->cv.notify_all();
  impl_->thread.join();
}

bool LeaseKeeper::alive() const {
  return impl_->alive.load();
}

void LeaseKeeper::Impl::lost(const Error& error) {
  alive = false;
  {
    std::lock_guard lock(mu);
    if (stop) {
      return;
    }
  }
  if (!options.on_lost) {
    return;
  }
  try {
    options.on_lost(error);
  } catch (const std::exception& e) {
    spdlog::error("etcd lease {:x}: on_lost threw: {}", options.lease_id, e.what());
  } catch (...) {
    spdlog::error("etcd lease {:x}: on_lost threw", options.lease_id);
  }
}

void LeaseKeeper::Impl::run() {
  common::nameThisThread("9v-lease");
  std::string lease = std::to_string(options.lease_id);
  if (!grpc_client) {
    lost(Error(Errc::kInvalidArgument,
               "etcd keep-alive " + lease + ": client was not made by Client::create()"));
    return;
  }
  auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(options.ttl);
  auto interval = std::max(ttl / 3, std::chrono::milliseconds(300));
  auto retry = std::min(interval, std::chrono::milliseconds(200));
  // The lease was granted (or last renewed) just before we were made.
  auto last_ok = Clock::now();
  Error last_error(Errc::kUnavailable, "no answer");
  for (;;) {
    auto now = Clock::now();
    auto left = last_ok + ttl - now;
    if (left <= Clock::duration::zero()) {
      lost(Error(Errc::kUnavailable,
                 "etcd keep-alive " + lease + ": no keep-alive succeeded for "
                     + detail::formatDuration(ttl)
                     + " (the lease TTL), it may have expired: " + last_error.message));
      return;
    }
    auto deadline = now + std::min<Clock::duration>(client->options().call_timeout, left);
    auto answer = keepAliveOnce(deadline);
    {
      std::lock_guard lock(mu);
      if (stop) {
        return;
      }
    }
    if (answer && *answer <= 0) {
      lost(Error(
          Errc::kNotFound,
          "etcd keep-alive " + lease + ": the lease expired or was revoked (etcd answered TTL=0)"));
      return;
    }
    if (answer) {
      last_ok = now;  // etcd restarted the TTL no earlier than when we sent the request
      if (!pause(interval)) {
        return;
      }
    } else {
      last_error = answer.error();
      // Not past the lease's end: being told "lost" up to a retry late would leave the
      // member's checks running after someone else may own them.
      auto until_end =
          std::chrono::duration_cast<std::chrono::milliseconds>(last_ok + ttl - Clock::now());
      if (!pause(std::clamp(until_end, std::chrono::milliseconds(0), retry))) {
        return;
      }
    }
  }
}

Result<int64_t> LeaseKeeper::Impl::keepAliveOnce(Clock::time_point deadline) {
  // A short-lived stream per keep-alive: the sync API has no per-read deadline, and a
  // stream with a deadline cannot hang on a silently dead connection. Cost: one HTTP/2
  // stream per ttl/3 on the existing connection. (Keep-alive streams close on
  // WritesDone + Finish, unlike Watch: NOTES pitfall 2.)
  grpc::ClientContext ctx;
  ctx.set_deadline(detail::toGrpc(deadline));
  {
    std::lock_guard lock(mu);
    if (stop) {
      return fail(Errc::kCancelled, "stopped");
    }
    this->ctx = &ctx;
  }
  auto unregister = [&] {
    std::lock_guard lock(mu);
    this->ctx = nullptr;
  };
  std::string lease = std::to_string(options.lease_id);
  std::string token;
  auto ep = grpc_client->prepareStream(ctx, "keep-alive", lease, deadline, &token);
  if (!ep) {
    unregister();
    return tl::unexpected(ep.error());
  }
  auto stream = (*ep)->lease->LeaseKeepAlive(&ctx);
  etcdserverpb::LeaseKeepAliveRequest req;
  req.set_id(options.lease_id);
  etcdserverpb::LeaseKeepAliveResponse resp;
  bool answered = stream->Write(req) && stream->WritesDone() && stream->Read(&resp);
  if (answered) {
    // Drain so that Finish() sees the end of the stream.
    etcdserverpb::LeaseKeepAliveResponse extra;
    while (stream->Read(&extra)) {
    }
  }
  grpc::Status status = stream->Finish();
  unregister();
  if (answered) {
    return resp.ttl();
  }
  if (detail::isTokenError(status)) {
    grpc_client->invalidateToken(token);
  }
  bool connected = (*ep)->channel->GetState(false) == GRPC_CHANNEL_READY;
  return tl::unexpected(detail::statusError(status, "keep-alive", lease, (*ep)->url,
                                            client->options().call_timeout, connected));
}

}  // namespace ninevolt::etcd

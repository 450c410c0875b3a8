#include "etcd/watcher.h"

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

struct Watcher::Impl {
  std::shared_ptr<Client> client;
  std::shared_ptr<detail::ClientImpl> grpc_client;
  Options options;

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;                   // guarded by mu
  grpc::ClientContext* ctx = nullptr;  // the open stream's, so the destructor can cancel it
  bool watching = false;               // guarded by mu; the first `created` arrived
  std::atomic<int64_t> last_revision{0};
  std::thread thread;

  // Run-loop state (watcher thread only).
  int64_t next_revision = 0;  // the revision the next watch starts from; 0 = now
  bool down_reported = false;
  std::optional<Clock::time_point> unready_since;

  void run();
  // One stream: returns when it ends. Sets *resync when etcd said the history is gone.
  void watchOnce(bool* resync);
  Result<RangeResult> snapshot();
  void reportDown(const Error& error, bool at_once);
  void deliver(const WatchUpdate& update);
  bool stopped() {
    std::lock_guard lock(mu);
    return stop;
  }
  // Waits for d or until stopped; returns false when stopped.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, d, [&] { return stop; });
  }
};

Watcher::Watcher(std::shared_ptr<Client> client, Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->grpc_client = detail::asImpl(client);
  impl_->client = std::move(client);
  impl_->options = std::move(options);
  impl_->next_revision = impl_->options.start_revision;
  impl_->last_revision = std::max<int64_t>(0, impl_->options.start_revision - 1);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Watcher::~Watcher() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
    // NOTES pitfall 2: etcd 3.4 ignores a half-close on Watch, so cancel the call.
    if (impl_->ctx != nullptr) {
      impl_->ctx->TryCancel();
    }
  }
  impl_->cv.notify_all();
  impl_->thread.join();
}

bool Watcher::waitUntilWatching(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->watching; });
}

int64_t Watcher::lastRevision() const {
  return impl_->last_revision.load();
}

void Watcher::Impl::deliver(const WatchUpdate& update) {
  // Checked before every call; the destructor joins this thread, so none runs after it.
  if (stopped() || !options.on_update) {
    return;
  }
  try {
    options.on_update(update);
  } catch (const std::exception& e) {
    spdlog::error("etcd watch {}: on_update threw: {}", options.key, e.what());
  } catch (...) {
    spdlog::error("etcd watch {}: on_update threw", options.key);
  }
}

void Watcher::Impl::reportDown(const Error& error, bool at_once) {
  if (down_reported) {
    return;
  }
  // A stream that broke is reported at once; "no endpoint ready" only after it lasted a
  // whole call timeout (the first connection normally takes a few ms).
  auto now = Clock::now();
  if (!unready_since) {
    unready_since = now;
  }
  if (!at_once && now - *unready_since < client->options().call_timeout) {
    return;
  }
  down_reported = true;
  WatchUpdate update;
  update.kind = WatchUpdate::kDisconnected;
  update.revision = last_revision.load();
  update.error = error;
  deliver(update);
}

Result<RangeResult> Watcher::Impl::snapshot() {
  if (options.prefix) {
    return client->listPrefix(options.key);
  }
  return client->range(options.key);
}

void Watcher::Impl::run() {
  common::nameThisThread("9v-watch");
  if (!grpc_client) {
    reportDown(Error(Errc::kInvalidArgument,
                     "etcd watch " + options.key + ": client was not made by Client::create()"),
               true);
    return;
  }
  bool resync = false;
  std::chrono::milliseconds backoff(100);
  while (!stopped()) {
    if (resync) {
      auto snap = snapshot();
      if (!snap) {
        reportDown(snap.error(), true);
        if (!pause(backoff)) {
          break;
        }
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
        continue;
      }
      resync = false;
      spdlog::info("etcd watch {}: re-listed {} key(s) at revision {}; watching on from there",
                   options.key, snap->kvs.size(), snap->revision);
      WatchUpdate update;
      update.kind = WatchUpdate::kResync;
      update.revision = snap->revision;
      update.snapshot = std::move(snap->kvs);
      next_revision = snap->revision + 1;
      last_revision = snap->revision;
      deliver(update);
    }
    auto started = Clock::now();
    watchOnce(&resync);
    if (resync || stopped()) {
      continue;
    }
    if (Clock::now() - started > std::chrono::seconds(5)) {
      backoff = std::chrono::milliseconds(100);  // it had been working: retry quickly
    }
    if (!pause(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

void Watcher::Impl::watchOnce(bool* resync) {
  grpc::ClientContext ctx;
  {
    std::lock_guard lock(mu);
    if (stop) {
      return;
    }
    this->ctx = &ctx;
  }
  auto unregister = [&] {
    std::lock_guard lock(mu);
    this->ctx = nullptr;
  };
  std::string token;
  // Wait for a connection in short slices so that the destructor is never held up long;
  // reportDown() only speaks up once the outage has lasted a call timeout.
  auto ep = grpc_client->prepareStream(ctx, "watch", options.key,
                                       Clock::now() + std::chrono::milliseconds(250), &token);
  if (!ep) {
    unregister();
    reportDown(ep.error(), false);
    return;
  }
  auto stream = (*ep)->watch->Watch(&ctx);
  etcdserverpb::WatchRequest req;
  auto* create = req.mutable_create_request();
  detail::fillRange(options.key, options.prefix, create->mutable_key(),
                    create->mutable_range_end());
  create->set_start_revision(next_revision);
  std::optional<Error> error;
  if (stream->Write(req)) {
    etcdserverpb::WatchResponse resp;
    while (stream->Read(&resp)) {
      if (resp.created()) {
        if (next_revision == 0) {
          next_revision = resp.header().revision() + 1;
          last_revision = resp.header().revision();
        }
        unready_since.reset();
        if (down_reported) {
          down_reported = false;
          WatchUpdate update;
          update.kind = WatchUpdate::kReconnected;
          update.revision = last_revision.load();
          deliver(update);
        }
        {
          std::lock_guard lock(mu);
          watching = true;
        }
        cv.notify_all();
      }
      if (resp.canceled()) {
        // NOTES pitfall 4: compaction = canceled with compact_revision and no reason.
        if (resp.compact_revision() > 0) {
          *resync = true;
          spdlog::info("etcd watch {}: revision {} is compacted (etcd keeps {} on); re-listing",
                       options.key, next_revision, resp.compact_revision());
        } else {
          if (detail::isTokenError(
                  grpc::Status(grpc::StatusCode::UNAUTHENTICATED, resp.cancel_reason()))) {
            grpc_client->invalidateToken(token);
          }
          error = Error(Errc::kUnavailable, "etcd watch " + options.key + " at " + (*ep)->url
                                                + ": canceled by etcd: " + resp.cancel_reason());
        }
        break;
      }
      if (resp.events_size() > 0) {
        WatchUpdate update;
        update.kind = WatchUpdate::kEvents;
        update.events.reserve(resp.events_size());
        for (const auto& ev : resp.events()) {
          WatchEvent event;
          event.type = ev.type() == mvccpb::Event::DELETE ? WatchEvent::kDelete : WatchEvent::kPut;
          event.kv = detail::fromProto(ev.kv());
          update.events.push_back(std::move(event));
        }
        update.revision = update.events.back().kv.mod_revision;
        next_revision = update.revision + 1;
        last_revision = update.revision;
        deliver(update);
      }
    }
  }
  // etcd never ends the stream on its own accord after a half-close: cancel it ourselves.
  ctx.TryCancel();
  grpc::Status status = stream->Finish();
  unregister();
  if (*resync || stopped()) {
    return;
  }
  if (!error) {
    if (detail::isTokenError(status)) {
      grpc_client->invalidateToken(token);
    }
    error = detail::statusError(status, "watch", options.key, (*ep)->url,
                                client->options().call_timeout, false);
  }
  reportDown(*error, true);
}

}  // namespace ninevolt::etcd

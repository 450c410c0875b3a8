#include "api/v1/stream_hub.h"

#include <algorithm>
#include <thread>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/request.h"
#include "api/sse.h"
#include "common/printable.h"
#include "common/strings.h"
#include "store/event.h"
#include "store/untrusted.h"

namespace ninevolt::api::v1 {
namespace asio = boost::asio;

namespace {

constexpr std::array<std::string_view, kStreamKinds> kKindNames = {"state", "event", "cluster"};

size_t index(StreamKind kind) {
  return static_cast<size_t>(kind);
}

}  // namespace

StreamKinds parseStreamKinds(const std::string& text, std::vector<std::string>& unknown) {
  auto names = splitList(text);
  StreamKinds kinds{};
  if (names.empty()) {
    kinds.fill(true);
    return kinds;
  }
  for (const auto& n : names) {
    const auto* it = std::find(kKindNames.begin(), kKindNames.end(), n);
    if (it == kKindNames.end()) {
      unknown.push_back(n);
    } else {
      kinds[static_cast<size_t>(it - kKindNames.begin())] = true;
    }
  }
  return kinds;
}

// ---------------------------------------------------------------------------------------
// StreamConverter

void StreamConverter::reject(const etcd::KeyValue& kv, const std::string& why) {
  if (rejections_ != nullptr) {
    rejections_->reject(kv, why);
  }
}

void StreamConverter::convert(const std::vector<etcd::WatchEvent>& events,
                              std::vector<StreamMessage>& out) {
  std::set<std::pair<int64_t, std::string>> assigned;  // (revision, member) already told
  const std::string assignments = keys_.allAssignmentsPrefix();
  for (const auto& ev : events) {
    const auto& kv = ev.kv;
    const bool put = ev.type == etcd::WatchEvent::kPut;
    const int64_t rev = kv.mod_revision;
    auto add = [&](StreamKind kind, const char* event, const nlohmann::json& data) {
      out.push_back({kind, rev, sse::message(event, common::dumpJson(data), rev)});
    };
    // The name under prefix if it is valid; else nullopt (a put is reported, a delete of a
    // key skipped when it was written is not news). nullopt too for keys elsewhere.
    auto valid = [&](const std::string& prefix, const char* what) -> std::optional<std::string> {
      auto name = store::Keys::nameUnder(prefix, kv.key);
      if (!name && !kv.key.starts_with(prefix)) {
        return std::nullopt;
      }
      if (name && store::nameProblem(*name).empty()) {
        return name;
      }
      if (put) {
        auto n = store::nameFromKey(prefix, kv.key);
        reject(kv, std::string(what) + " " + (n ? "key" : n.error().message));
      }
      return std::string();  // ours, but not shown
    };
    auto cluster = [&](const char* change, const std::string& key) {
      add(StreamKind::kCluster, "cluster",
          {{"change", change}, {"key", key}, {"action", put ? "put" : "delete"}});
    };
    using store::Keys;
    if (auto check = valid(keys_.statePrefix(), "check state")) {
      if (check->empty()) {
        continue;
      }
      if (!put) {
        add(StreamKind::kState, "state-deleted", {{"check", *check}});
        continue;
      }
      auto j = store::decodeState(kv.value);
      if (!j) {
        // Written by hand; GET /api/v1/state skips it too.
        reject(kv, "check state: " + j.error().message);
        continue;
      }
      auto shown = j->toJson();
      shown["check"] = *check;
      add(StreamKind::kState, "state", std::move(shown));
    } else if (kv.key.starts_with(keys_.eventPrefix())) {
      // New keys only: deletes are the retention at work, not news.
      if (!put || kv.create_revision != kv.mod_revision) {
        continue;
      }
      auto e = store::decodeEvent(kv.value);
      if (!e) {
        reject(kv, "event: " + e.error().message);
        continue;
      }
      add(StreamKind::kEvent, "event", e->toJson());
    } else if (auto id = valid(keys_.membersPrefix(), "member")) {
      // Only the key: the change tells clients to read GET /api/v1/cluster again, which
      // decodes the record.
      if (!id->empty()) {
        cluster("members", *id);
      }
    } else if (kv.key == keys_.director()) {
      if (put) {
        auto d = store::decodeDirector(kv.value);
        director_ = d ? d->id : std::string();
      }
      cluster("director", director_);  // a delete names the director that left
    } else if (auto name = valid(keys_.monitorPrefix(), "monitor")) {
      if (!name->empty()) {
        cluster("monitor", *name);
      }
    } else if (auto name = valid(keys_.alerterPrefix(), "alerter")) {
      if (!name->empty()) {
        cluster("alerter", *name);
      }
    } else if (auto name = valid(keys_.maintenancePrefix(), "maintenance window")) {
      if (!name->empty()) {
        cluster("maintenance", *name);
      }
    } else if (auto id = Keys::nameUnder(keys_.silencePrefix(), kv.key)) {
      // Only ids the store would read (a bad key is reported by the silences' readers).
      if (store::validSilenceId(*id)) {
        cluster("silence", *id);
      }
    } else if (kv.key.size() > assignments.size() && kv.key.starts_with(assignments)) {
      std::string member = kv.key.substr(assignments.size());
      member = member.substr(0, member.find('/'));
      if (!store::nameProblem(member).empty()) {
        continue;  // not a member's (the director reports it and replaces it)
      }
      if (assigned.insert({rev, member}).second) {
        cluster("assignments", member);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// StreamFanout

StreamFanout::StreamFanout(Options options, Hooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {}

std::string StreamFanout::control(const char* event, const nlohmann::json& data,
                                  std::optional<int64_t> id) {
  return sse::message(event, common::dumpJson(data), id);
}

uint64_t StreamFanout::add(std::shared_ptr<StreamSink> sink, StreamKinds kinds,
                           std::optional<int64_t> since) {
  uint64_t id = ++next_id_;
  auto& c = clients_[id];
  c.sink = std::move(sink);
  c.kinds = kinds;
  c.since = since;
  if (started_) {
    admit(id, c);
  }
  return id;
}

void StreamFanout::remove(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return;
  }
  clients_.erase(it);
}

void StreamFanout::start(int64_t revision) {
  started_ = true;
  revision_ = revision;
  feed_at_ = revision;
  ring_from_ = revision;
  ring_.clear();
  ring_bytes_ = 0;
  for (auto& [id, c] : clients_) {
    if (c.phase == Phase::kWaiting) {
      admit(id, c);
    }
  }
}

void StreamFanout::reset() {
  started_ = false;
  ring_.clear();
  ring_bytes_ = 0;
  for (auto& [id, c] : clients_) {  // normally none: the feed stops only without clients
    c.phase = Phase::kWaiting;
    c.since = c.sent;
  }
}

void StreamFanout::admit(uint64_t id, Client& c) {
  auto hello = [&](int64_t revision) {
    c.sink->write(
        control("hello", {{"member", options_.member_id}, {"revision", revision}}, revision));
  };
  if (!c.since) {
    c.sent = revision_;
    hello(revision_);
    goLive(id, c);
    return;
  }
  const int64_t since = *c.since;
  if (since >= ring_from_ && since <= revision_) {  // the ring has everything after it
    c.sent = since;
    hello(since);
    goLive(id, c);
    return;
  }
  // Older than the ring, or newer than the feed has seen: etcd knows whether it has it.
  c.phase = Phase::kChecking;
  if (hooks_.check) {
    hooks_.check(id, since);
  }
}

void StreamFanout::checked(uint64_t id, Check result) {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second.phase != Phase::kChecking) {
    return;
  }
  auto& c = it->second;
  if (result != Check::kAvailable) {
    c.sent = revision_;
    std::string text =
        control("hello", {{"member", options_.member_id}, {"revision", revision_}}, revision_);
    text += control("resync",
                    {{"reason", result == Check::kCompacted ? "compacted" : "unknown-revision"}},
                    revision_);
    c.sink->write(std::move(text));
    goLive(id, c);
    return;
  }
  const int64_t since = *c.since;
  c.sent = since;
  c.sink->write(control("hello", {{"member", options_.member_id}, {"revision", since}}, since));
  if (since < ring_from_) {
    // Older than the ring: the feed goes back to it. The ring restarts there and fills with
    // the history again; clients already live skip what they have (c.sent), so each of
    // them still gets every revision once.
    ring_.clear();
    ring_bytes_ = 0;
    ring_from_ = since;
    feed_at_ = since;
    if (hooks_.rewind) {
      hooks_.rewind(since);
    }
  }
  goLive(id, c);  // newer than the feed has seen: it delivers the rest, minus the duplicates
}

void StreamFanout::goLive(uint64_t id, Client& c) {
  c.phase = Phase::kLive;
  send(c, ring_.begin(), ring_.end(), feed_at_);
}

template <typename It>
bool StreamFanout::send(Client& c, It begin, It end, int64_t revision) {
  if (!c.sink->open()) {
    return false;  // ending or closed: remove() follows
  }
  // Revision by revision, so that the client's Last-Event-ID is always at a revision's end
  // (a resume then misses nothing), and a client that overflowed still made progress.
  std::string group;
  int64_t group_revision = 0;
  auto flush = [&]() {
    if (!group.empty()) {
      // One revision always fits into an empty buffer, so that a revision larger than the
      // cap cannot cut a client off again on every reconnect.
      if (c.sink->buffered() > 0 && c.sink->buffered() + group.size() > options_.max_buffered) {
        overflow(c);
        return false;
      }
      c.sink->write(std::exchange(group, {}));
    }
    c.sent = std::max(c.sent, group_revision);
    return true;
  };
  for (auto it = begin; it != end; ++it) {
    const StreamMessage& m = *it;
    if (m.revision <= c.sent) {
      continue;
    }
    if (m.revision != group_revision) {
      if (!flush()) {
        return false;
      }
      group_revision = m.revision;
    }
    if (c.kinds[index(m.kind)]) {
      group += m.text;
    }
  }
  if (!flush()) {
    return false;
  }
  c.sent = std::max(c.sent, revision);
  return true;
}

void StreamFanout::overflow(Client& c) {
  // Past the cap, but once: the client learns why, and resumes with Last-Event-ID.
  ++overflows_;
  c.sink->write(
      control("overflow",
              {{"reason", fmt::format("the client reads too slowly: over {} bytes were waiting",
                                      options_.max_buffered)}},
              c.sent));
  c.sink->end();
}

void StreamFanout::publish(const std::vector<StreamMessage>& messages, int64_t revision) {
  if (!started_) {
    return;
  }
  for (const auto& m : messages) {
    ring_bytes_ += m.text.size();
    ring_.push_back(m);
  }
  revision_ = std::max(revision_, revision);
  feed_at_ = revision;
  // Drop whole revisions from the front: everything after ring_from_ stays in the ring.
  while (!ring_.empty()
         && (ring_.size() > options_.ring_messages || ring_bytes_ > options_.ring_bytes)) {
    int64_t dropped = ring_.front().revision;
    while (!ring_.empty() && ring_.front().revision == dropped) {
      ring_bytes_ -= ring_.front().text.size();
      ring_.pop_front();
    }
    ring_from_ = dropped;
  }
  for (auto& [id, c] : clients_) {
    if (c.phase == Phase::kLive) {
      send(c, messages.begin(), messages.end(), revision);
    }
  }
}

void StreamFanout::resync(int64_t revision) {
  revision_ = std::max(revision_, revision);
  feed_at_ = revision;
  ring_from_ = revision;
  ring_.clear();
  ring_bytes_ = 0;
  for (auto& [id, c] : clients_) {
    if (c.phase == Phase::kLive && c.sink->open()) {
      c.sent = revision;
      c.sink->write(control("resync", {{"reason", "compacted"}}, revision));
    }
  }
}

void StreamFanout::keepAlive() {
  static const std::string kKeepAlive = sse::comment("keep-alive");
  for (auto& [id, c] : clients_) {
    if (!c.sink->open()) {
      continue;
    }
    if (c.sink->buffered() + kKeepAlive.size() > options_.max_buffered) {
      overflow(c);
    } else {
      c.sink->write(kKeepAlive);
    }
  }
}

// ---------------------------------------------------------------------------------------
// StreamHub

std::shared_ptr<StreamHub> StreamHub::create(asio::io_context& io,
                                             std::shared_ptr<store::Store> store, Options options) {
  std::shared_ptr<StreamHub> hub(new StreamHub(io, std::move(store), std::move(options)));
  std::weak_ptr<StreamHub> weak = hub;
  StreamFanout::Hooks hooks;
  // Hooks run on the loop; each hands its etcd work to the pool or a watcher.
  hooks.check = [weak](uint64_t id, int64_t revision) {
    if (auto self = weak.lock()) {
      self->check(id, revision);
    }
  };
  hooks.rewind = [weak](int64_t revision) {
    if (auto self = weak.lock()) {
      self->rewind(revision);
    }
  };
  hub->fanout_ = std::make_unique<StreamFanout>(
      StreamFanout::Options{.member_id = hub->options_.member_id,
                            .max_buffered = hub->options_.max_buffered},
      std::move(hooks));
  return hub;
}

StreamHub::StreamHub(asio::io_context& io, std::shared_ptr<store::Store> store, Options options)
    : io_(io), store_(std::move(store)), options_(std::move(options)), timer_(io) {}

StreamHub::~StreamHub() {
  stop();
}

bool StreamHub::full() const {
  return fanout_->size() >= options_.max_streams;
}

size_t StreamHub::clients() const {
  return fanout_->size();
}

void StreamHub::attach(std::shared_ptr<StreamSink> sink, StreamKinds kinds,
                       std::optional<int64_t> since) {
  if (stopped_) {
    sink->end();
    return;
  }
  auto raw = sink.get();
  uint64_t id = fanout_->add(std::move(sink), kinds, since);
  raw->onClosed([weak = weak_from_this(), id] {
    auto self = weak.lock();
    if (!self) {
      return;
    }
    self->fanout_->remove(id);
    if (self->fanout_->size() == 0) {
      self->idle_since_ = std::chrono::steady_clock::now();
    }
  });
  startFeed();
  if (!ticking_) {
    ticking_ = true;
    scheduleTick();  // the first keep-alive a period after the first client, not before hello
  }
}

std::unique_ptr<etcd::Watcher> StreamHub::watch(
    int64_t from_revision, const std::string& director,
    std::function<void(const etcd::WatchUpdate&, std::vector<StreamMessage>)> on_update) {
  auto converter =
      std::make_shared<StreamConverter>(store_->keys(), director, &store_->rejections());
  // On the watcher's thread: the JSON work happens here, not on the loop.
  return store_->watchEverything(
      from_revision, [converter, on_update = std::move(on_update)](const etcd::WatchUpdate& u) {
        std::vector<StreamMessage> messages;
        if (u.kind == etcd::WatchUpdate::kEvents) {
          converter->convert(u.events, messages);
        }
        on_update(u, std::move(messages));
      });
}

void StreamHub::startFeed() {
  if (feed_ || feed_starting_ || stopped_) {
    return;
  }
  feed_starting_ = true;
  uint64_t generation = generation_;
  // The revision to start after (and the director then), read off the loop (etcd may be
  // slow or away: retried).
  asio::post(pool_, [this, generation] {
    std::chrono::milliseconds backoff(100);
    while (!stopped_) {
      auto r = store_->readDirectorKey();
      if (r) {
        std::string director;
        if (r->kv) {
          if (auto d = store::decodeDirector(r->kv->value)) {
            director = d->id;
          }
        }
        asio::post(io_, [weak = weak_from_this(), generation, revision = r->revision,
                         director = std::move(director)] {
          auto self = weak.lock();
          if (self && !self->stopped_ && generation == self->generation_) {
            self->runFeed(revision, director);
          }
        });
        return;
      }
      spdlog::warn("api stream: cannot read the etcd revision to start from: {}",
                   r.error().message);
      for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stopped_;
           waited += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  });
}

void StreamHub::runFeed(int64_t revision, const std::string& director) {
  feed_starting_ = false;
  watchFeed(revision,
            director);  // made on the loop, before start(): every update it posts comes after
  fanout_->start(revision);
  spdlog::debug("api stream: watching {}/ after revision {}", store_->keys().root(), revision);
}

void StreamHub::rewind(int64_t revision) {
  if (stopped_ || !feed_) {
    return;
  }
  spdlog::info(
      "api stream: a client resumes after revision {}, before the recent-message ring: the "
      "watch goes back there",
      revision);
  ++generation_;  // what the old watch still posts is dropped
  dispose(std::move(feed_));
  watchFeed(revision, {});
}

void StreamHub::watchFeed(int64_t revision, const std::string& director) {
  uint64_t generation = generation_;
  // On the watcher's thread: no lock of the hub here (the last reference must never be
  // dropped on this thread: the hub's destructor joins it). io_ outlives the hub.
  feed_ = watch(revision + 1, director,
                [&io = io_, weak = weak_from_this(), generation](const etcd::WatchUpdate& u,
                                                                 std::vector<StreamMessage> msgs) {
                  if (u.kind == etcd::WatchUpdate::kDisconnected) {
                    spdlog::warn("api stream: etcd watch lost ({}); resuming", u.error.message);
                    return;
                  }
                  if (u.kind == etcd::WatchUpdate::kReconnected) {
                    spdlog::info("api stream: etcd watch resumed after revision {}", u.revision);
                    return;
                  }
                  asio::post(io, [weak, generation, kind = u.kind, revision = u.revision,
                                  msgs = std::move(msgs)] {
                    auto self = weak.lock();
                    if (!self || self->stopped_ || generation != self->generation_) {
                      return;
                    }
                    if (kind == etcd::WatchUpdate::kResync) {
                      self->fanout_->resync(revision);
                    } else {
                      self->fanout_->publish(msgs, revision);
                    }
                  });
                });
}

void StreamHub::check(uint64_t id, int64_t revision) {
  asio::post(pool_, [this, id, revision] {
    if (stopped_) {
      return;
    }
    // A read at that revision fails once it is compacted (or when it is in the future).
    auto r = store_->readableAt(revision);
    std::optional<StreamFanout::Check> result;
    if (r) {
      result = StreamFanout::Check::kAvailable;
    } else if (r.error().code == Errc::kCompacted) {
      result = StreamFanout::Check::kCompacted;
    } else if (r.error().code != Errc::kUnavailable && r.error().code != Errc::kDeadlineExceeded) {
      result = StreamFanout::Check::kUnknownRevision;
    }
    asio::post(io_, [weak = weak_from_this(), id, revision, result] {
      auto self = weak.lock();
      if (!self || self->stopped_) {
        return;
      }
      if (result) {
        self->fanout_->checked(id, *result);
        return;
      }
      // etcd unreachable: ask again in a second (the client gets keep-alives meanwhile).
      auto timer = std::make_shared<asio::steady_timer>(self->io_, std::chrono::seconds(1));
      timer->async_wait([weak, timer, id, revision](boost::system::error_code ec) {
        auto hub = weak.lock();
        if (!ec && hub && !hub->stopped_) {
          hub->check(id, revision);
        }
      });
    });
  });
}

void StreamHub::tick() {
  if (stopped_) {
    return;
  }
  fanout_->keepAlive();
  if (fanout_->size() == 0 && (feed_ || feed_starting_)
      && std::chrono::steady_clock::now() - idle_since_ >= options_.idle_stop) {
    spdlog::debug("api stream: no clients for {} ms; stopping the etcd watch",
                  options_.idle_stop.count());
    ++generation_;  // late posts of this feed are dropped
    dispose(std::move(feed_));
    feed_starting_ = false;
    fanout_->reset();
  }
  if (fanout_->size() == 0 && !feed_ && !feed_starting_) {
    ticking_ = false;  // the next client starts it again
    return;
  }
  scheduleTick();
}

void StreamHub::scheduleTick() {
  timer_.expires_after(
      std::max(std::min(options_.keep_alive, options_.idle_stop), std::chrono::milliseconds(10)));
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!ec && self) {
      self->tick();
    }
  });
}

void StreamHub::dispose(std::unique_ptr<etcd::Watcher> watcher) {
  if (!watcher) {
    return;
  }
  if (stopped_) {
    watcher.reset();
    return;
  }
  // Its destructor joins the watcher's thread: not on the loop.
  asio::post(pool_,
             [w = std::shared_ptr<etcd::Watcher>(std::move(watcher))]() mutable { w.reset(); });
}

void StreamHub::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  timer_.cancel();
  feed_.reset();  // joins the watch threads: no update is delivered after this
  pool_.join();
}

}  // namespace ninevolt::api::v1

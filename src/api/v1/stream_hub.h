#pragma once

// GET /api/v1/stream: the parts behind it (docs/api.md "Live stream").
//
//   StreamConverter  etcd watch events -> SSE messages (pure; any thread)
//   StreamFanout     the clients: hello, ring of recent messages for resume, type filters,
//                    bounded send buffers, keep-alives (loop thread only; no etcd)
//   StreamHub        one shared etcd watch on the prefix, started with the first client,
//                    fanned out through a StreamFanout, moved back in history for a client
//                    resuming from before the ring; etcd calls off the loop

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/stream_sink.h"
#include "common/thread_name.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::api::v1 {

// What a client can ask for with ?types= (hello, resync and overflow always come).
enum class StreamKind { kState = 0, kEvent = 1, kCluster = 2 };
inline constexpr size_t kStreamKinds = 3;
using StreamKinds = std::array<bool, kStreamKinds>;  // indexed by StreamKind
// "state,event" -> kinds; unknown names are returned in `unknown`. Empty text = all.
StreamKinds parseStreamKinds(const std::string& text, std::vector<std::string>& unknown);

struct StreamMessage {
  StreamKind kind = StreamKind::kState;
  int64_t revision = 0;
  std::string text;  // the framed SSE message, `id: <revision>` included
};

// Turns watch events of the whole prefix into the stream's messages. Keeps the director id
// last seen (a delete carries no value) and sends one `assignments` message per member and
// revision. A key whose name is not valid, a state or an event that does not decode is left
// out (reported to `rejections` when given): a client never gets a name it could not use
// in a request, and one bad key never stops the stream. One converter per watch; not
// thread-safe.
class StreamConverter {
 public:
  // director: the director's id at the watch's start, if known (named by a first delete).
  explicit StreamConverter(store::Keys keys, std::string director = {},
                           store::Rejections* rejections = nullptr)
      : keys_(std::move(keys)), director_(std::move(director)), rejections_(rejections) {}
  // Appends the messages for these events (of one watch update, revision order).
  void convert(const std::vector<etcd::WatchEvent>& events, std::vector<StreamMessage>& out);

 private:
  void reject(const etcd::KeyValue& kv, const std::string& why);

  store::Keys keys_;
  std::string director_;
  store::Rejections* rejections_;
};

// The stream's clients (loop thread only). Everything etcd-related is the owner's, through
// Hooks; tests drive it by hand.
class StreamFanout {
 public:
  struct Options {
    std::string member_id;
    // Per client; over it: overflow, then close. A revision bigger than this still goes
    // to a client whose buffer is empty (else it could never get past it).
    size_t max_buffered = size_t{1} << 20;
    size_t ring_messages = 10000;  // recent messages kept for resume
    size_t ring_bytes = size_t{8} << 20;
  };
  struct Hooks {
    // Ask etcd whether `revision` is still in its history (then call checked()).
    std::function<void(uint64_t id, int64_t revision)> check;
    // Restart the feed's watch from revision + 1 (a client resumes from before the ring):
    // from now on publish() gets the history again from there, and no update of the old
    // watch may reach publish() any more. Live clients skip what they already have.
    std::function<void(int64_t revision)> rewind;
  };
  enum class Check { kAvailable, kCompacted, kUnknownRevision };

  StreamFanout(Options options, Hooks hooks);

  // A new client; since = resume after this revision (Last-Event-ID / ?since=). Its hello
  // goes out once the feed has started.
  uint64_t add(std::shared_ptr<StreamSink> sink, StreamKinds kinds, std::optional<int64_t> since);
  void remove(uint64_t id);  // the client's stream closed
  size_t size() const { return clients_.size(); }
  bool started() const { return started_; }

  // The shared feed runs and has delivered everything up to `revision`.
  void start(int64_t revision);
  // The feed stopped (no clients for a while): the next client starts it again.
  void reset();
  // Messages of whole revisions, in order; `revision` = the last revision the feed saw
  // (maybe one with no message for the stream).
  void publish(const std::vector<StreamMessage>& messages, int64_t revision);
  // The feed's history was compacted while it was disconnected: every live client gets
  // `resync` (it re-fetches) and the stream goes on from `revision`.
  void resync(int64_t revision);

  void checked(uint64_t id, Check result);

  void keepAlive();  // a comment line to every client

  int64_t revision() const { return revision_; }
  int64_t ringFrom() const { return ring_from_; }
  uint64_t overflows() const { return overflows_; }  // clients cut off for reading too slowly

 private:
  enum class Phase { kWaiting, kChecking, kLive };
  struct Client {
    std::shared_ptr<StreamSink> sink;
    StreamKinds kinds{};
    std::optional<int64_t> since;
    Phase phase = Phase::kWaiting;
    int64_t sent = 0;  // every revision up to this one has been passed to the client
  };

  void admit(uint64_t id, Client& c);
  void goLive(uint64_t id, Client& c);  // replays the ring after c.sent
  // Queues the matching messages of revisions after c.sent, revision by revision, and
  // marks everything up to `revision` as passed; false when the client overflowed (it is
  // then ending; remove() follows).
  template <typename It>
  bool send(Client& c, It begin, It end, int64_t revision);
  void overflow(Client& c);
  static std::string control(const char* event, const nlohmann::json& data,
                             std::optional<int64_t> id);

  Options options_;
  Hooks hooks_;
  std::map<uint64_t, Client> clients_;
  uint64_t next_id_ = 0;
  bool started_ = false;
  int64_t revision_ = 0;   // the newest revision the feed delivered (a fresh client's start)
  int64_t feed_at_ = 0;    // where the feed is now (behind revision_ while it replays)
  int64_t ring_from_ = 0;  // the ring holds every message in (ring_from_, feed_at_]
  std::deque<StreamMessage> ring_;
  size_t ring_bytes_ = 0;
  uint64_t overflows_ = 0;
};

// The stream behind GET /api/v1/stream, one per server process. Lives on `io`'s loop (the
// HTTP server's); etcd calls and watcher destruction run on a thread of its own, and watch
// callbacks post into the loop. There is at most one etcd watch (on the whole prefix, so
// that revisions, the stream's ids, come in order): a client resuming from before the ring
// moves it back to that revision instead of getting a watch of its own.
class StreamHub : public std::enable_shared_from_this<StreamHub> {
 public:
  struct Options {
    std::string member_id;
    size_t max_streams = 256;  // open streams; the route answers 503 beyond
    size_t max_buffered = size_t{1} << 20;
    std::chrono::milliseconds keep_alive{15000};
    // The shared watch stops this long after the last client left (it sees every write
    // under the prefix, the cluster's digest too: no reason to keep it without clients).
    std::chrono::milliseconds idle_stop{60000};
  };

  // `io` must outlive the hub.
  static std::shared_ptr<StreamHub> create(boost::asio::io_context& io,
                                           std::shared_ptr<store::Store> store, Options options);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // Loop thread.
  bool full() const;
  size_t clients() const;
  bool watching() const { return feed_ != nullptr; }  // the shared etcd watch runs
  uint64_t overflows() const { return fanout_->overflows(); }
  void attach(std::shared_ptr<StreamSink> sink, StreamKinds kinds, std::optional<int64_t> since);

  // Stops the watches and joins the hub's threads. Call once the loop no longer runs (after
  // io.run() returned) and before the io_context goes: afterwards nothing is posted to it.
  void stop();

  const Options& options() const { return options_; }

 private:
  StreamHub(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  void startFeed();
  // Starts the feed after `revision` (director: its id then).
  void runFeed(int64_t revision, const std::string& director);
  void watchFeed(int64_t revision, const std::string& director);  // (re)creates its watch
  void rewind(int64_t revision);                                  // for StreamFanout::Hooks::rewind
  void check(uint64_t id, int64_t revision);                      // for StreamFanout::Hooks::check
  void tick();  // keep-alives and the idle stop, every keep_alive
  void scheduleTick();
  void dispose(std::unique_ptr<etcd::Watcher> watcher);  // destroys it off the loop
  std::unique_ptr<etcd::Watcher> watch(
      int64_t from_revision, const std::string& director,
      std::function<void(const etcd::WatchUpdate&, std::vector<StreamMessage>)> on_update);

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  std::unique_ptr<StreamFanout> fanout_;
  // etcd calls and watcher destruction
  boost::asio::thread_pool pool_ = common::constructNamed<boost::asio::thread_pool>("9v-stream", 1);
  boost::asio::steady_timer timer_;
  std::unique_ptr<etcd::Watcher> feed_;
  bool feed_starting_ = false;
  bool ticking_ = false;
  uint64_t generation_ = 0;  // bumped when the feed stops: late posts of an old one are dropped
  std::chrono::steady_clock::time_point idle_since_;
  std::atomic<bool> stopped_{false};
};

}  // namespace ninevolt::api::v1

#include <atomic>
#include <map>

#include <gtest/gtest.h>

#include "etcd/client.h"
#include "etcd/watcher.h"
#include "support/etcd_fixture.h"
#include "watch_recorder.h"

namespace ninevolt::etcd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::EtcdTest;
using testing::eventually;

class WatchTest : public EtcdTest {};

TEST_F(WatchTest, SeesPutsAndDeletesUnderPrefixOnly) {
  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/w/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(client_->put("/w/a", "1"));
  ASSERT_TRUE(client_->put("/w0", "outside"));
  ASSERT_TRUE(client_->put("/w/b", "2"));
  auto del = client_->del("/w/a");
  ASSERT_TRUE(del);
  ASSERT_TRUE(rec.waitForEvents(3));
  auto events = rec.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEvent::kPut);
  EXPECT_EQ(events[0].kv.key, "/w/a");
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_EQ(events[1].kv.key, "/w/b");
  EXPECT_EQ(events[2].type, WatchEvent::kDelete);
  EXPECT_EQ(events[2].kv.key, "/w/a");
  EXPECT_EQ(events[2].kv.mod_revision, del->revision);
  EXPECT_TRUE(eventually([&] { return watcher.lastRevision() == del->revision; }));
  for (const auto& u : rec.updates()) {
    EXPECT_EQ(u.kind, WatchUpdate::kEvents);
  }
}

TEST_F(WatchTest, SingleKeyWatch) {
  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/single", .prefix = false, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(client_->put("/single/child", "no"));
  ASSERT_TRUE(client_->put("/single", "yes"));
  ASSERT_TRUE(rec.waitForEvents(1));
  auto events = rec.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.value, "yes");
}

TEST_F(WatchTest, FromRevisionReplaysHistory) {
  auto first = client_->put("/h/1", "a");
  ASSERT_TRUE(first);
  ASSERT_TRUE(client_->put("/h/2", "b"));
  ASSERT_TRUE(client_->put("/h/1", "c"));
  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/h/",
                            .prefix = true,
                            .start_revision = first->revision + 1,
                            .on_update = rec.callback()});
  ASSERT_TRUE(rec.waitForEvents(2));
  ASSERT_TRUE(client_->put("/h/3", "d"));
  ASSERT_TRUE(rec.waitForEvents(3));
  auto events = rec.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.key, "/h/2");
  EXPECT_EQ(events[1].kv.value, "c");
  EXPECT_EQ(events[1].kv.version, 2);
  EXPECT_EQ(events[2].kv.key, "/h/3");
  EXPECT_LT(events[0].kv.mod_revision, events[1].kv.mod_revision);
}

TEST_F(WatchTest, ResumesAcrossEtcdRestartWithoutGap) {
  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/rs/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(client_->put("/rs/before", "1"));
  ASSERT_TRUE(rec.waitForEvents(1));

  ASSERT_TRUE(etcd_->restart());
  ASSERT_TRUE(rec.waitFor(WatchUpdate::kDisconnected));
  // Written right after the restart, possibly before the watcher is back: must be seen.
  ASSERT_TRUE(client_->put("/rs/after1", "2"));
  ASSERT_TRUE(client_->put("/rs/after2", "3"));
  ASSERT_TRUE(rec.waitForEvents(3, seconds(15)));
  ASSERT_TRUE(rec.waitFor(WatchUpdate::kReconnected));

  auto events = rec.events();
  ASSERT_EQ(events.size(), 3u);  // no duplicate of /rs/before, nothing missing
  EXPECT_EQ(events[0].kv.key, "/rs/before");
  EXPECT_EQ(events[1].kv.key, "/rs/after1");
  EXPECT_EQ(events[2].kv.key, "/rs/after2");
  // Disconnected comes before Reconnected, which comes before the resumed events or
  // after them (etcd may send `created` first), but never a second Disconnected.
  auto updates = rec.updates();
  EXPECT_EQ(rec.count(WatchUpdate::kDisconnected), 1u);
  EXPECT_EQ(rec.count(WatchUpdate::kReconnected), 1u);
  size_t down = 0;
  size_t up = 0;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (updates[i].kind == WatchUpdate::kDisconnected) {
      down = i;
      EXPECT_NE(updates[i].error.message, "");
    }
    if (updates[i].kind == WatchUpdate::kReconnected) {
      up = i;
    }
  }
  EXPECT_LT(down, up);
}

TEST_F(WatchTest, StartedWhileEtcdIsDownReportsThenCatchesUp) {
  auto client = newClient({.call_timeout = milliseconds(500)});
  ASSERT_TRUE(etcd_->stop());
  WatchRecorder rec;
  Watcher watcher(client, {.key = "/down/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(rec.waitFor(WatchUpdate::kDisconnected, 1, seconds(5)));
  EXPECT_FALSE(watcher.waitUntilWatching(milliseconds(10)));
  ASSERT_TRUE(etcd_->restart());
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(10)));
  ASSERT_TRUE(rec.waitFor(WatchUpdate::kReconnected));
  ASSERT_TRUE(client->put("/down/k", "v"));
  ASSERT_TRUE(rec.waitForEvents(1));
  EXPECT_EQ(rec.count(WatchUpdate::kDisconnected), 1u);
}

TEST_F(WatchTest, CompactedStartRevisionResyncsWithSnapshot) {
  auto first = client_->put("/cp/a", "1");
  ASSERT_TRUE(first);
  ASSERT_TRUE(client_->put("/cp/b", "2"));
  ASSERT_TRUE(client_->put("/cp/a", "3"));
  ASSERT_TRUE(client_->del("/cp/b"));
  ASSERT_TRUE(client_->put("/cp/c", "4"));
  auto last = client_->put("/other", "x");
  ASSERT_TRUE(last);
  ASSERT_TRUE(client_->compact(last->revision));

  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/cp/",
                            .prefix = true,
                            .start_revision = first->revision,
                            .on_update = rec.callback()});
  ASSERT_TRUE(rec.waitFor(WatchUpdate::kResync));
  auto updates = rec.updates();
  ASSERT_EQ(updates[0].kind, WatchUpdate::kResync);
  EXPECT_EQ(updates[0].revision, last->revision);
  std::map<std::string, std::string> snap;
  for (const auto& kv : updates[0].snapshot) {
    snap[kv.key] = kv.value;
  }
  EXPECT_EQ(snap, (std::map<std::string, std::string>{{"/cp/a", "3"}, {"/cp/c", "4"}}));

  // Watching goes on from the snapshot.
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  auto next = client_->put("/cp/d", "5");
  ASSERT_TRUE(next);
  ASSERT_TRUE(rec.waitForEvents(1));
  auto events = rec.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/cp/d");
  EXPECT_EQ(rec.count(WatchUpdate::kResync), 1u);
  EXPECT_EQ(rec.count(WatchUpdate::kDisconnected), 0u);
}

TEST_F(WatchTest, DestroyedWhileEventsFlowCallsBackNoMore) {
  std::atomic<bool> destroyed{false};
  std::atomic<int> after{0};
  std::atomic<int> seen{0};
  auto watcher = std::make_unique<Watcher>(
      client_,
      Watcher::Options{.key = "/flow/", .prefix = true, .on_update = [&](const WatchUpdate&) {
                         if (destroyed.load()) {
                           ++after;
                         }
                         ++seen;
                       }});
  ASSERT_TRUE(watcher->waitUntilWatching(seconds(5)));
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    int i = 0;
    while (writing.load()) {
      (void)client_->put("/flow/" + std::to_string(i++ % 50), "x");
    }
  });
  ASSERT_TRUE(eventually([&] { return seen.load() >= 20; }));
  auto started = std::chrono::steady_clock::now();
  watcher.reset();  // cancels the stream and joins the thread
  destroyed = true;
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  int seen_at_destroy = seen.load();
  // Keep writing 100 more revisions: no callback may arrive any more.
  auto status = client_->status();
  ASSERT_TRUE(status);
  ASSERT_TRUE(eventually([&] {
    auto now = client_->status();
    return now && now->revision > status->revision + 100;
  }));
  writing = false;
  writer.join();
  EXPECT_EQ(after.load(), 0);
  EXPECT_EQ(seen.load(), seen_at_destroy);
}

TEST_F(WatchTest, ManyWatchersOneClient) {
  std::vector<std::unique_ptr<WatchRecorder>> recs;
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < 10; ++i) {
    recs.push_back(std::make_unique<WatchRecorder>());
    watchers.push_back(
        std::make_unique<Watcher>(client_, Watcher::Options{.key = "/m/" + std::to_string(i) + "/",
                                                            .prefix = true,
                                                            .on_update = recs.back()->callback()}));
  }
  for (auto& w : watchers) {
    ASSERT_TRUE(w->waitUntilWatching(seconds(5)));
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(client_->put("/m/" + std::to_string(i) + "/k", std::to_string(i)));
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(recs[i]->waitForEvents(1));
    EXPECT_EQ(recs[i]->events()[0].kv.value, std::to_string(i));
  }
  watchers.clear();
}

}  // namespace
}  // namespace ninevolt::etcd

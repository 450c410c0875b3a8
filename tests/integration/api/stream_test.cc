// GET /api/v1/stream on a real etcd: HttpServer + StreamHub in this process (port 0), a
// plain HTTP client reading the event stream, writes made through the Store. Messages in
// revision order with ids, resume (ring, rewinding the shared watch, compacted), types,
// auth, the stream cap, keep-alives, stop, TLS.
#include <cstdio>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/v1/routes.h"
#include "api/v1/stream_hub.h"
#include "support/etcd_fixture.h"
#include "support/sse_client.h"

namespace ninevolt::api {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::SseClient;
using ninevolt::testing::SseMessage;
using ::testing::HasSubstr;

class Stream : public ninevolt::testing::EtcdTest {
 protected:
  struct Setup {
    v1::StreamHub::Options hub;
    std::vector<std::string> tokens;
    std::string tls_cert;
    std::string tls_key;
  };
  void startServer(Setup setup = {}) {
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    setup.hub.member_id = "m-test";
    hub_ = v1::StreamHub::create(io_, store_, setup.hub);
    Router router;
    TokenAuth auth(setup.tokens, {});
    router.setAuthorizer(auth.authorizer());
    v1::addStreamRoutes(router, {.store = store_, .authorize = auth.authorizer(), .stream = hub_});
    auto server = HttpServer::start(
        io_, {.listen = "127.0.0.1:0", .tls_cert = setup.tls_cert, .tls_key = setup.tls_key},
        router);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  // As `9volt server` on SIGTERM: stop the server (streams end), then the loop, then the hub.
  void stopServer() {
    if (!thread_.joinable()) {
      return;
    }
    std::promise<void> stopped;
    server_->stop([&] { stopped.set_value(); });
    EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
    work_.reset();
    io_.stop();
    thread_.join();
    hub_->stop();
    server_.reset();
  }
  void TearDown() override {
    stopServer();
    EtcdTest::TearDown();
  }

  int64_t putState(const std::string& check, const std::string& status) {
    auto r =
        client_->put(store_->keys().state(check),
                     nlohmann::json{{"check", check}, {"status", status}, {"count", 1}}.dump());
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->revision : 0;
  }
  int64_t putEvent(const std::string& message) {
    store::StoredEvent e;
    e.event.type = store::kEventWarning;
    e.event.kind = store::event_kind::kCheckOrphaned;
    e.event.message = message;
    e.event.time = std::chrono::time_point_cast<common::SystemTime::duration>(
        std::chrono::system_clock::now());
    e.event.member_id = "m-test";
    e.key = store_->keys().event(e.event.time, "m-test", ++seq_);
    auto ok = store_->createEvents({e}, 0);
    EXPECT_TRUE(ok && *ok);
    auto r = client_->range(e.key);
    return r && !r->kvs.empty() ? r->kvs[0].mod_revision : 0;
  }
  int64_t putMonitor(const std::string& name) {
    auto r = store_->putConfig(store::ConfigKind::kMonitor, name,
                               R"({"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s"})");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : 0;
  }

  static nlohmann::json data(const SseMessage& m) { return nlohmann::json::parse(m.data); }
  // The next message, asserted to be `event` with id `revision`; returns its data.
  static nlohmann::json expectNext(SseClient& c, const std::string& event, int64_t revision) {
    auto m = c.next();
    EXPECT_TRUE(m) << "no '" << event << "' message";
    if (!m) {
      return {};
    }
    EXPECT_EQ(m->event, event) << m->data;
    EXPECT_EQ(m->id, std::to_string(revision)) << m->event << " " << m->data;
    return data(*m);
  }
  // Opens a stream and reads its hello; returns the hello's revision.
  int64_t hello(SseClient& c) {
    EXPECT_EQ(c.status(), 200) << c.body();
    auto m = c.next();
    EXPECT_TRUE(m);
    if (!m) {
      return -1;
    }
    EXPECT_EQ(m->event, "hello");
    auto d = data(*m);
    EXPECT_EQ(d["member"], "m-test");
    EXPECT_EQ(m->id, std::to_string(d["revision"].get<int64_t>()));
    return d["revision"].get<int64_t>();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<v1::StreamHub> hub_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  uint64_t seq_ = 0;
};

TEST_F(Stream, StateEventAndMonitorArriveInOrderWithRevisionIds) {
  startServer();
  SseClient c(port_, "/api/v1/stream");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("content-type"), "text/event-stream");
  EXPECT_EQ(c.header("cache-control"), "no-cache");
  EXPECT_EQ(c.header("x-accel-buffering"), "no");
  int64_t start = hello(c);
  ASSERT_GT(start, 0);
  EXPECT_EQ(c.comments(), 0);  // hello is the first thing on the stream
  int64_t r1 = putState("web", "critical");
  int64_t r2 = putEvent("web went down");
  int64_t r3 = putMonitor("db");
  ASSERT_LT(start, r1);
  auto s = expectNext(c, "state", r1);
  EXPECT_EQ(s["check"], "web");
  EXPECT_EQ(s["status"], "critical");
  auto e = expectNext(c, "event", r2);
  EXPECT_EQ(e["message"], "web went down");
  EXPECT_EQ(e["kind"], "check-orphaned");
  EXPECT_EQ(e["memberid"], "m-test");
  EXPECT_EQ(expectNext(c, "cluster", r3),
            (nlohmann::json{{"change", "monitor"}, {"key", "db"}, {"action", "put"}}));
  auto r4 = client_->del(store_->keys().state("web"));
  ASSERT_TRUE(r4);
  EXPECT_EQ(expectNext(c, "state-deleted", r4->revision), (nlohmann::json{{"check", "web"}}));
  // The digest and other keys the stream does not show send nothing.
  ASSERT_TRUE(client_->put("/9volt/cluster/digest/m-test/0", "[]"));
  int64_t r5 = putState("db", "ok");
  expectNext(c, "state", r5);
}

TEST_F(Stream, ClusterChangesNameTheirKey) {
  ASSERT_TRUE(client_->put("/9volt/cluster/director", R"({"id":"m9","since":"x"})"));
  startServer();
  SseClient c(port_, "/api/v1/stream?types=cluster");
  hello(c);
  auto r1 = client_->del("/9volt/cluster/director");  // set before the stream: still named
  auto r2 = client_->put(store_->keys().member("m7"), "{}");
  auto r3 = store_->putConfig(store::ConfigKind::kAlerter, "ops", "{}");
  auto r4 = client_->put(store_->keys().assignmentShard("m7", "0"), "[]");
  ASSERT_TRUE(r1 && r2 && r3 && r4);
  EXPECT_EQ(expectNext(c, "cluster", r1->revision),
            (nlohmann::json{{"change", "director"}, {"key", "m9"}, {"action", "delete"}}));
  EXPECT_EQ(expectNext(c, "cluster", r2->revision),
            (nlohmann::json{{"change", "members"}, {"key", "m7"}, {"action", "put"}}));
  EXPECT_EQ(expectNext(c, "cluster", *r3),
            (nlohmann::json{{"change", "alerter"}, {"key", "ops"}, {"action", "put"}}));
  EXPECT_EQ(expectNext(c, "cluster", r4->revision),
            (nlohmann::json{{"change", "assignments"}, {"key", "m7"}, {"action", "put"}}));
}

TEST_F(Stream, ResumeWithLastEventIdOrSince) {
  startServer();
  int64_t r1 = 0;
  int64_t r2 = 0;
  int64_t r3 = 0;
  {
    SseClient c(port_, "/api/v1/stream");
    hello(c);
    r1 = putState("a", "ok");
    r2 = putState("b", "ok");
    expectNext(c, "state", r1);
    expectNext(c, "state", r2);
  }  // disconnected; more happens meanwhile
  r3 = putMonitor("m");
  int64_t r4 = putState("c", "warning");
  SseClient again(port_, "/api/v1/stream", {{"Last-Event-ID", std::to_string(r1)}});
  EXPECT_EQ(hello(again), r1);
  expectNext(again, "state", r2);
  expectNext(again, "cluster", r3);
  expectNext(again, "state", r4);
  // ?since= does the same; a Last-Event-ID header wins over it (a reconnecting EventSource
  // still has its first URL).
  SseClient since(port_, "/api/v1/stream?since=" + std::to_string(r3));
  EXPECT_EQ(hello(since), r3);
  expectNext(since, "state", r4);
  SseClient both(port_, "/api/v1/stream?since=1", {{"Last-Event-ID", std::to_string(r3)}});
  EXPECT_EQ(hello(both), r3);
  expectNext(both, "state", r4);
  // Bad ids are refused, naming the parameter.
  SseClient bad(port_, "/api/v1/stream?since=abc");
  EXPECT_EQ(bad.status(), 400);
  EXPECT_TRUE(bad.waitEnded(std::chrono::seconds(5)));
  EXPECT_THAT(bad.body(), HasSubstr("since"));
}

TEST_F(Stream, ResumeFromBeforeTheFeedStartedRewindsTheSharedWatch) {
  startServer();
  // Written before any stream: the shared watch (started by the first client) never saw them.
  int64_t r1 = putState("early1", "critical");
  int64_t r2 = putMonitor("early");
  SseClient c(port_, "/api/v1/stream?since=" + std::to_string(r1 - 1));
  EXPECT_EQ(hello(c), r1 - 1);
  expectNext(c, "state", r1);
  expectNext(c, "cluster", r2);
  // Then live, each message once.
  int64_t r3 = putState("live1", "ok");
  expectNext(c, "state", r3);
  int64_t r4 = putState("live2", "ok");
  expectNext(c, "state", r4);
  // A second client from the same old revision, while the feed runs: the one watch goes back
  // again; it gets the same history and c gets nothing twice.
  SseClient d(port_, "/api/v1/stream?since=" + std::to_string(r1 - 1));
  EXPECT_EQ(hello(d), r1 - 1);
  expectNext(d, "state", r1);
  expectNext(d, "cluster", r2);
  expectNext(d, "state", r3);
  expectNext(d, "state", r4);
  int64_t r5 = putEvent("later");
  expectNext(d, "event", r5);
  expectNext(c, "event", r5);
}

TEST_F(Stream, CompactedRevisionMeansResyncThenLive) {
  startServer();
  int64_t r1 = putState("x", "ok");
  int64_t r2 = putState("x", "critical");
  ASSERT_TRUE(client_->compact(r2, true));
  SseClient c(port_, "/api/v1/stream", {{"Last-Event-ID", std::to_string(r1 - 1)}});
  int64_t start = hello(c);
  EXPECT_GE(start, r2);
  auto m = c.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->event, "resync");
  EXPECT_EQ(data(*m), (nlohmann::json{{"reason", "compacted"}}));
  int64_t r3 = putState("x", "ok");
  expectNext(c, "state", r3);
}

TEST_F(Stream, TypesFilter) {
  startServer();
  SseClient cluster(port_, "/api/v1/stream?types=cluster");
  SseClient events(port_, "/api/v1/stream?types=event,state");
  hello(cluster);
  hello(events);
  int64_t r1 = putState("web", "ok");
  int64_t r2 = putEvent("e");
  int64_t r3 = putMonitor("web");
  expectNext(cluster, "cluster", r3);
  expectNext(events, "state", r1);
  expectNext(events, "event", r2);
  int64_t r4 = putState("web", "critical");
  expectNext(events, "state", r4);
  SseClient bad(port_, "/api/v1/stream?types=state,bogus");
  EXPECT_EQ(bad.status(), 400);
  EXPECT_TRUE(bad.waitEnded(std::chrono::seconds(5)));
  EXPECT_THAT(bad.body(), HasSubstr("bogus"));
}

TEST_F(Stream, AuthByHeaderOrAccessTokenParameter) {
  Setup setup;
  setup.tokens = {"s3cret"};
  startServer(setup);
  SseClient none(port_, "/api/v1/stream");
  EXPECT_EQ(none.status(), 401);
  EXPECT_TRUE(none.waitEnded(std::chrono::seconds(5)));
  EXPECT_THAT(none.body(), HasSubstr("\"status\":\"error\""));
  SseClient wrong(port_, "/api/v1/stream?access_token=nope");
  EXPECT_EQ(wrong.status(), 401);
  SseClient query(port_, "/api/v1/stream?access_token=s3cret");
  hello(query);
  SseClient header(port_, "/api/v1/stream", {{"X-Access-Token", "s3cret"}});
  hello(header);
  SseClient bearer(port_, "/api/v1/stream", {{"Authorization", "Bearer s3cret"}});
  hello(bearer);
  int64_t r = putState("web", "ok");
  expectNext(query, "state", r);
  expectNext(bearer, "state", r);
}

TEST_F(Stream, CapOnOpenStreams) {
  Setup setup;
  setup.hub.max_streams = 2;
  startServer(setup);
  auto a = std::make_unique<SseClient>(port_, "/api/v1/stream");
  SseClient b(port_, "/api/v1/stream");
  hello(*a);
  hello(b);
  {
    SseClient over(port_, "/api/v1/stream");
    EXPECT_EQ(over.status(), 503);
    EXPECT_TRUE(over.waitEnded(std::chrono::seconds(5)));
    EXPECT_THAT(over.body(), HasSubstr("too many open streams"));
    EXPECT_EQ(over.header("retry-after"), "5");
  }
  a.reset();  // one leaves: room again
  EXPECT_TRUE(eventually([&] {
    SseClient c(port_, "/api/v1/stream");
    return c.status() == 200;
  }));
}

TEST_F(Stream, KeepAliveComments) {
  Setup setup;
  setup.hub.keep_alive = std::chrono::milliseconds(100);
  startServer(setup);
  SseClient c(port_, "/api/v1/stream");
  hello(c);
  EXPECT_TRUE(eventually([&] { return c.comments() >= 2; }));
}

TEST_F(Stream, TheSharedWatchStopsWhenIdleAndStartsAgain) {
  Setup setup;
  setup.hub.keep_alive = std::chrono::milliseconds(50);
  setup.hub.idle_stop = std::chrono::milliseconds(100);
  startServer(setup);
  auto watching = [&] {
    std::promise<bool> p;
    boost::asio::post(io_, [&] { p.set_value(hub_->watching()); });
    return p.get_future().get();
  };
  EXPECT_FALSE(watching());  // no client yet: no watch
  int64_t r1 = 0;
  {
    SseClient c(port_, "/api/v1/stream");
    hello(c);
    EXPECT_TRUE(watching());
    r1 = putState("a", "ok");
    expectNext(c, "state", r1);
  }
  EXPECT_TRUE(eventually([&] { return !watching(); }));
  // Missed while nobody watched: a resuming client still gets it (from etcd), then live.
  int64_t r2 = putState("b", "ok");
  SseClient c(port_, "/api/v1/stream", {{"Last-Event-ID", std::to_string(r1)}});
  EXPECT_EQ(hello(c), r1);
  expectNext(c, "state", r2);
  int64_t r3 = putState("c", "ok");
  expectNext(c, "state", r3);
}

TEST_F(Stream, ASlowClientIsCutOffWithOverflowAndOthersGoOn) {
  Setup setup;
  setup.hub.max_buffered = 256 * 1024;
  startServer(setup);
  // A client that sends its request and then reads nothing, with a small receive buffer.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket slow(io);
  slow.open(boost::asio::ip::tcp::v4());
  slow.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
  boost::asio::write(
      slow, boost::asio::buffer(std::string("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")));
  SseClient fast(port_, "/api/v1/stream");
  hello(fast);
  auto overflows = [&] {
    std::promise<uint64_t> p;
    boost::asio::post(io_, [&] { p.set_value(hub_->overflows()); });
    return p.get_future().get();
  };
  // Write until the slow one's kernel buffers and its 256 KiB are full (8 KB a state). The
  // fast client reads each state before the next is written, so it is never more than one
  // behind however busy the machine is, and gets everything, in order.
  const std::string big(8 * 1024, 'x');
  int64_t seen = 0;
  auto readUpTo = [&](int64_t revision) {
    while (seen < revision) {
      auto m = fast.next();
      ASSERT_TRUE(m) << "after " << seen;
      ASSERT_EQ(m->event, "state");
      ASSERT_GT(std::stoll(m->id), seen);
      seen = std::stoll(m->id);
    }
  };
  for (int i = 0; i < 3000 && overflows() == 0; ++i) {
    auto r = client_->put(store_->keys().state("big" + std::to_string(i % 10)),
                          nlohmann::json{{"status", "ok"}, {"message", big}}.dump());
    ASSERT_TRUE(r);
    readUpTo(r->revision);
    if (::testing::Test::HasFatalFailure()) {
      return;
    }
  }
  EXPECT_TRUE(eventually([&] { return overflows() == 1; })) << "never overflowed";
  // The slow one, reading now: whole messages, then `overflow` with the last id, then the end.
  std::string body;
  boost::system::error_code ec;
  char buf[65536];
  slow.non_blocking(false);
  while (!ec) {
    size_t n = slow.read_some(boost::asio::buffer(buf), ec);
    body.append(buf, n);
  }
  EXPECT_EQ(ec, boost::asio::error::eof);
  auto at = body.rfind("event: overflow");
  ASSERT_NE(at, std::string::npos) << body.substr(0, 300);
  EXPECT_THAT(body.substr(at), HasSubstr("reads too slowly"));
  EXPECT_THAT(body.substr(at), HasSubstr("\r\n0\r\n\r\n"));  // the final chunk
}

TEST_F(Stream, TheStreamRidesOutAnEtcdRestart) {
  startServer();
  SseClient c(port_, "/api/v1/stream");
  hello(c);
  int64_t r1 = putState("before", "ok");
  expectNext(c, "state", r1);
  ASSERT_TRUE(etcd_->restart());
  // The shared watch resumes from its last revision: the stream stays open, nothing lost.
  int64_t r2 = 0;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->put(store_->keys().state("after"), R"({"status":"ok"})");
        r2 = r ? r->revision : 0;
        return r2 != 0;
      },
      std::chrono::seconds(30)));
  auto m = c.next(std::chrono::seconds(30));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->event, "state");
  EXPECT_EQ(data(*m)["check"], "after");
  // r2, or an earlier try that etcd applied but answered too late.
  EXPECT_GT(std::stoll(m->id), r1);
  EXPECT_LE(std::stoll(m->id), r2);
}

TEST_F(Stream, ServerStopEndsStreamsPromptly) {
  startServer();
  SseClient a(port_, "/api/v1/stream");
  SseClient b(port_, "/api/v1/stream?types=state");
  hello(a);
  hello(b);
  auto started = std::chrono::steady_clock::now();
  stopServer();
  // Not the 1 s grace period: the streams' final chunks went out and they closed.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  bool clean = false;
  EXPECT_TRUE(a.waitEnded(std::chrono::seconds(2), &clean));
  EXPECT_TRUE(clean);
  EXPECT_TRUE(b.waitEnded(std::chrono::seconds(2), &clean));
  EXPECT_TRUE(clean);
}

TEST_F(Stream, OverTls) {
  std::string cert = (dir_->path() / "cert.pem").string();
  std::string key = (dir_->path() / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout "
      + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Setup setup;
  setup.tls_cert = cert;
  setup.tls_key = key;
  startServer(setup);
  // curl -N reads the stream as it comes; -m bounds it should the server never end it.
  std::string curl = "curl -sN -m 20 --cacert " + cert
                     + " https://127.0.0.1:" + std::to_string(port_) + "/api/v1/stream 2>&1";
  FILE* f = popen(curl.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char line[4096];
  int64_t r = 0;
  while (fgets(line, sizeof line, f) != nullptr) {
    out += line;
    if (r == 0 && out.find("event: hello") != std::string::npos) {
      r = putState("tls", "ok");
    }
    if (r != 0 && out.find("id: " + std::to_string(r) + "\nevent: state") != std::string::npos) {
      stopServer();  // the stream ends: curl exits
    }
  }
  int status = pclose(f);
  EXPECT_THAT(out, HasSubstr("event: hello"));
  EXPECT_THAT(out, HasSubstr("\"check\":\"tls\""));
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;  // a complete response, not a timeout (28)
}

}  // namespace
}  // namespace ninevolt::api

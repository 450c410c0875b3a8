// HttpServer's streaming responses (Response::stream) on loopback: head and chunks arrive as
// written, the client going away is noticed, stop() ends streams with their final chunk and
// reports when they are gone, and ordinary requests still work beside a stream.
#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/http_server.h"
#include "api/stream_sink.h"
#include "support/etcd_fixture.h"
#include "support/process.h"
#include "support/sse_client.h"

namespace ninevolt::api {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::SseClient;
using ::testing::HasSubstr;

class HttpStream : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.get("/s", [this](const Request&) {
      Response r;
      r.content_type = "text/event-stream";
      r.headers.emplace_back("Cache-Control", "no-cache");
      r.stream = [this](std::shared_ptr<StreamSink> sink) {
        sink->write("data: first\n\n");
        sink->onClosed([this] { ++closed_; });
        sinks_.push_back(std::move(sink));
      };
      return r;
    });
    router_.get("/plain", [](const Request&) { return Response::text(200, "plain"); });
    auto server = HttpServer::start(io_, {.listen = "127.0.0.1:0"}, router_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    onLoop([this] { sinks_.clear(); });
    server_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }
  // Runs f on the loop and waits for it.
  void onLoop(std::function<void()> f) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  size_t openSinks() {
    size_t n = 0;
    onLoop([&] {
      for (auto& s : sinks_) {
        n += s->open() ? 1 : 0;
      }
    });
    return n;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::vector<std::shared_ptr<StreamSink>> sinks_;  // loop only
  std::atomic<int> closed_{0};
};

TEST_F(HttpStream, HeadThenChunksAsWritten) {
  SseClient c(server_->port(), "/s");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("content-type"), "text/event-stream");
  EXPECT_EQ(c.header("cache-control"), "no-cache");
  EXPECT_EQ(c.header("transfer-encoding"), "chunked");
  EXPECT_EQ(c.header("content-length"), "");
  auto m = c.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, "first");
  onLoop([this] {
    sinks_[0]->write("event: two\n");
    sinks_[0]->write("data: a\ndata: b\n\n");
  });
  m = c.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->event, "two");
  EXPECT_EQ(m->data, "a\nb");
  // Ordinary requests beside it.
  auto plain = ninevolt::testing::httpGet(server_->port(), "/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "plain");
  // end(): the final chunk, then close.
  onLoop([this] { sinks_[0]->end(); });
  bool clean = false;
  EXPECT_TRUE(c.waitEnded(std::chrono::seconds(5), &clean));
  EXPECT_TRUE(clean);
  EXPECT_TRUE(eventually([&] { return closed_ == 1; }));
}

TEST_F(HttpStream, Http10GetsABodyThatEndsWithTheConnection) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /s HTTP/1.0\r\n\r\n")));
  ASSERT_TRUE(eventually([&] { return openSinks() == 1; }));
  onLoop([this] {
    sinks_[0]->write("data: second\n\n");
    sinks_[0]->end();
  });
  std::string all;
  boost::system::error_code ec;
  char buf[4096];
  while (!ec) {
    size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    all.append(buf, n);
  }
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_THAT(all, HasSubstr("200 OK"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("chunked")));
  EXPECT_THAT(all, ::testing::EndsWith("\r\n\r\ndata: first\n\ndata: second\n\n"));
}

TEST_F(HttpStream, TheClientGoingAwayIsNoticed) {
  {
    SseClient c(server_->port(), "/s");
    ASSERT_EQ(c.status(), 200);
    ASSERT_TRUE(c.next());
  }  // closes the socket
  EXPECT_TRUE(eventually([&] { return closed_ == 1; }));
  EXPECT_EQ(openSinks(), 0U);
  onLoop([this] { EXPECT_FALSE(sinks_[0]->write("data: late\n\n")); });
}

TEST_F(HttpStream, StopEndsStreamsAndReportsWhenTheyAreGone) {
  SseClient a(server_->port(), "/s");
  SseClient b(server_->port(), "/s");
  ASSERT_TRUE(a.next());
  ASSERT_TRUE(b.next());
  std::promise<void> stopped;
  auto start = std::chrono::steady_clock::now();
  server_->stop([&] { stopped.set_value(); });
  ASSERT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900))
      << "stop waited for the grace period instead of the streams";
  bool clean = false;
  EXPECT_TRUE(a.waitEnded(std::chrono::seconds(5), &clean));
  EXPECT_TRUE(clean);
  EXPECT_TRUE(b.waitEnded(std::chrono::seconds(5), &clean));
  EXPECT_TRUE(clean);
  EXPECT_EQ(closed_, 2);
}

TEST_F(HttpStream, StopWithoutStreamsReportsAtOnce) {
  std::promise<void> stopped;
  server_->stop([&] { stopped.set_value(); });
  EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

}  // namespace
}  // namespace ninevolt::api

#include "cluster/watchdog.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/transport/http_client.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/thread_name.h"
#include "store/compaction_record.h"

namespace ninevolt::cluster {

Watchdog::Watchdog(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                   Options options)
    : store_(std::move(store)), options_(std::move(options)), timer_(io) {
  if (!options_.now_unix) {
    options_.now_unix = common::nowUnixSeconds;
  }
}

Watchdog::~Watchdog() {
  if (caller_) {
    caller_->join();
  }
}

void Watchdog::start() {
  if (!std::exchange(started_, true)) {
    schedule();
  }
}

void Watchdog::set(const std::string& url, std::chrono::seconds interval) {
  if (url != url_ || interval != interval_) {
    spdlog::info("watchdog: {}", url.empty()
                                     ? std::string("off")
                                     : fmt::format("{} every {}", alerts::transport::originOf(url),
                                                   common::formatDuration(interval)));
  }
  url_ = url;
  interval_ = interval;
}

void Watchdog::schedule() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      check();
      schedule();
    }
  }));
}

void Watchdog::check() {
  if (url_.empty() || in_flight_) {
    return;
  }
  auto fence = options_.fence ? options_.fence() : std::nullopt;
  if (!fence) {
    return;  // not the director
  }
  auto read = store_->readWatchdogRecord();
  if (!read) {
    spdlog::warn("watchdog: cannot read {}: {}", store_->keys().watchdog(), read.error().message);
    return;
  }
  const int64_t now = options_.now_unix();
  int64_t expected = 0;
  if (read->kv) {
    auto record = store::decodeCompaction(read->kv->value);
    if (!record) {
      store_->rejections().reject(*read->kv,
                                  "not a watchdog record {\"member\", \"unix\"} "
                                  "(written anew)");
    } else if (record->unix <= now && now - record->unix < interval_.count()) {
      return;  // called less than an interval ago (by this director or the one before)
    }
    // A time in the future (a clock ahead, or by hand) says nothing: written anew.
    expected = read->kv->mod_revision;
  }
  auto put = store_->putWatchdogRecord(*fence, {options_.member_id, now}, expected);
  if (!put) {
    spdlog::warn("watchdog: cannot write {}: {}", store_->keys().watchdog(), put.error().message);
    return;
  }
  if (!*put) {
    return;  // not the director any more, or another wrote it meanwhile
  }
  in_flight_ = true;
  const auto timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(10), interval_ / 2);
  if (!caller_) {
    common::ScopedThreadName name("9v-watchdog");
    caller_.emplace(1);
  }
  boost::asio::post(*caller_, [this, url = url_, timeout] { call(url, timeout); });
}

void Watchdog::call(std::string url, std::chrono::milliseconds timeout) {
  alerts::transport::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.user_agent = options_.user_agent;
  auto response = alerts::transport::performHttp(request, timeout);
  calls_++;
  std::string problem;
  if (!response) {
    problem = response.error().message;
  } else if (response->status < 200 || response->status > 299) {
    problem = fmt::format("{} answered {}", alerts::transport::originOf(url), response->status);
  }
  if (!problem.empty()) {
    failures_++;
    spdlog::warn("watchdog: the call failed: {}", problem);
  }
  const bool failing = !problem.empty();
  if (failing != failing_) {
    failing_ = failing;
    if (options_.on_change) {
      options_.on_change(!failing, failing ? "the watchdog call failed: " + problem
                                           : "the watchdog call works again");
    }
  }
  in_flight_ = false;
}

}  // namespace ninevolt::cluster

#include "checks/http/curl_multi_service.h"

#include <exception>
#include <utility>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <poll.h>
#include <spdlog/spdlog.h>

namespace ninevolt::checks::http {

namespace asio = boost::asio;

boost::asio::execution_context::id CurlMultiService::id;

struct CurlMultiService::Watch {
  Watch(asio::io_context& io, curl_socket_t socket) : fd(socket), descriptor(io) {}
  curl_socket_t fd;
  asio::posix::stream_descriptor descriptor;
  int what = 0;  // CURL_POLL_IN / OUT / INOUT
  bool read_pending = false;
  bool write_pending = false;
  bool alive = true;  // false once curl said CURL_POLL_REMOVE
};

CurlMultiService::CurlMultiService(asio::io_context& io)
    : asio::execution_context::service(io), io_(io), timer_(io) {
  const auto& lib = curlLibrary();
  if (!lib) {
    load_error_ = lib.error().message;
    return;
  }
  curl_ = &*lib;
  multi_ = curl_->multi_init();
  if (multi_ != nullptr) {
    curl_->multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMultiService::onSocket);
    curl_->multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_->multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMultiService::onTimer);
    curl_->multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }
}

CurlMultiService::~CurlMultiService() {
  stop();
  if (multi_ != nullptr) {
    curl_->multi_cleanup(multi_);
  }
}

void CurlMultiService::stop() noexcept try {
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
  // Detach every transfer without telling its owner: the loop is going away, nobody is
  // waiting for results any more.
  auto transfers = std::move(transfers_);
  transfers_.clear();
  for (auto& [easy, transfer] : transfers) {
    curl_->multi_remove_handle(multi_, easy);
  }
  for (auto& [fd, watch] : watches_) {
    watch->alive = false;
    watch->descriptor.release();
  }
  watches_.clear();
  timer_.cancel();
  for (CURL* easy : idle_easy_) {
    curl_->easy_cleanup(easy);
  }
  idle_easy_.clear();
} catch (const std::exception& e) {
  spdlog::error("http check: stopping the curl multi: {}", e.what());
}

CURL* CurlMultiService::acquireEasy() {
  if (curl_ == nullptr) {
    return nullptr;
  }
  if (!idle_easy_.empty()) {
    CURL* easy = idle_easy_.back();
    idle_easy_.pop_back();
    return easy;
  }
  return curl_->easy_init();
}

void CurlMultiService::releaseEasy(CURL* easy) {
  if (easy == nullptr) {
    return;
  }
  if (shut_down_ || idle_easy_.size() >= kIdleEasyHandles) {
    curl_->easy_cleanup(easy);
    return;
  }
  // Every option back to its default (URL, callbacks and their data, headers, TLS, error
  // buffer): nothing of this transfer reaches the next one. Connections are not kept
  // (each run asks for a fresh one), so there is none to inherit either.
  curl_->easy_reset(easy);
  idle_easy_.push_back(easy);
}

CURLMcode CurlMultiService::add(CURL* easy, DoneFn on_done) {
  if (multi_ == nullptr || shut_down_) {
    return CURLM_BAD_HANDLE;
  }
  transfers_[easy] = Transfer{next_id_++, std::move(on_done)};
  CURLMcode rc = curl_->multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    transfers_.erase(easy);
  }
  return rc;
}

void CurlMultiService::remove(CURL* easy) {
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) {
    return;
  }
  transfers_.erase(it);
  curl_->multi_remove_handle(multi_, easy);
}

int CurlMultiService::onSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* self,
                               void* /*socketp*/) {
  try {
    static_cast<CurlMultiService*>(self)->watchSocket(fd, what);
  } catch (const std::exception& e) {
    spdlog::error("http check: watching socket {}: {}", fd, e.what());
  } catch (...) {
    spdlog::error("http check: watching socket {}: unknown error", fd);
  }
  return 0;
}

int CurlMultiService::onTimer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto* service = static_cast<CurlMultiService*>(self);
  if (service->shut_down_) {
    return 0;
  }
  if (timeout_ms < 0) {
    service->timer_.cancel();
    service->armed_for_.reset();
    return 0;
  }
  if (timeout_ms == 0) {
    // "Now" (every new transfer asks for it): a posted handler rather than the timer, and
    // one for any number of asks before it runs. Still through the loop: curl must not be
    // re-entered from its own callback. A timer left armed fires later, harmlessly.
    if (!service->timeout_posted_) {
      service->timeout_posted_ = true;
      asio::post(service->io_, [service] {
        service->timeout_posted_ = false;
        service->onTimeout();
      });
    }
    return 0;
  }
  service->armTimer(std::chrono::milliseconds(timeout_ms));
  return 0;
}

void CurlMultiService::armTimer(std::chrono::milliseconds timeout) {
  // Each change of the loop's earliest timer is a timerfd_settime syscall, and curl moves
  // its timer on nearly every event (the earliest of all transfers' deadlines): 1.9 of them
  // per run were 14% of a member's CPU. A deadline ≥ kTimerSlackFrom away is rounded up to
  // the next kTimerSlack step and the timer left alone when already set for that step; a
  // nearer one (curl polling its resolver, a happy-eyeballs fallback) is kept exact.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (timeout >= kTimerSlackFrom) {
    using Duration = std::chrono::steady_clock::duration;
    const auto step = std::chrono::duration_cast<Duration>(kTimerSlack);
    const Duration t = deadline.time_since_epoch();
    deadline = std::chrono::steady_clock::time_point(((t + step - Duration(1)) / step) * step);
  }
  if (armed_for_ == deadline) {
    return;
  }
  armed_for_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      armed_for_.reset();
      onTimeout();
    }
  });
}

void CurlMultiService::watchSocket(curl_socket_t fd, int what) {
  if (what == CURL_POLL_REMOVE) {
    auto it = watches_.find(fd);
    if (it != watches_.end()) {
      it->second->alive = false;
      // release(), not close(): the socket is curl's. Pending waits are dropped unrun.
      it->second->descriptor.release();
      watches_.erase(it);
    }
    return;
  }
  auto& watch = watches_[fd];
  if (!watch) {
    watch = std::make_shared<Watch>(io_, fd);
    boost::system::error_code ec;
    watch->descriptor.assign(fd, ec);
    if (ec) {
      // Cannot happen unless the fd is already registered; the transfer then ends by its
      // own timeout instead of hanging forever.
      spdlog::error("http check: cannot watch socket {}: {}", fd, ec.message());
      watch->alive = false;
      return;
    }
  }
  watch->what = what;
  arm(watch);
}

void CurlMultiService::arm(const std::shared_ptr<Watch>& watch) {
  if (!watch->alive || shut_down_) {
    return;
  }
  const bool want_read = (watch->what & CURL_POLL_IN) != 0 && !watch->read_pending;
  const bool want_write = (watch->what & CURL_POLL_OUT) != 0 && !watch->write_pending;
  if (!want_read && !want_write) {
    return;
  }
  // asio's epoll reactor is edge-triggered and waits are not speculative: data curl left
  // unread (it reads one buffer per call) would raise no new edge. A zero-timeout poll()
  // gives curl the level-triggered readiness it expects.
  pollfd pfd{watch->fd, 0, 0};
  pfd.events = static_cast<short>((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
  int n = ::poll(&pfd, 1, 0);
  const int ready = n > 0 ? pfd.revents : 0;
  const bool failed = (ready & (POLLERR | POLLHUP | POLLNVAL)) != 0;
  auto start = [&](bool& pending, int flag, int event,
                   asio::posix::descriptor_base::wait_type wait) {
    pending = true;
    if (failed || (ready & flag) != 0) {
      asio::post(io_, [this, watch, event] { onReady(watch, event); });
    } else {
      watch->descriptor.async_wait(wait, [this, watch, event](const boost::system::error_code& ec) {
        if (!ec) {
          onReady(watch, event);
        }
      });
    }
  };
  if (want_read) {
    start(watch->read_pending, POLLIN, CURL_CSELECT_IN, asio::posix::descriptor_base::wait_read);
  }
  if (want_write) {
    start(watch->write_pending, POLLOUT, CURL_CSELECT_OUT,
          asio::posix::descriptor_base::wait_write);
  }
}

void CurlMultiService::onReady(const std::shared_ptr<Watch>& watch, int event) {
  if (shut_down_ || !watch->alive) {
    return;
  }
  const int wanted = event == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
  (event == CURL_CSELECT_IN ? watch->read_pending : watch->write_pending) = false;
  if ((watch->what & wanted) == 0) {
    return;  // curl stopped caring about this direction while we waited
  }
  action(watch->fd, event);
  arm(watch);
}

void CurlMultiService::onTimeout() {
  if (!shut_down_) {
    action(CURL_SOCKET_TIMEOUT, 0);
  }
}

void CurlMultiService::action(curl_socket_t fd, int event) {
  int running = 0;
  CURLMcode rc = curl_->multi_socket_action(multi_, fd, event, &running);
  if (rc != CURLM_OK) {
    spdlog::error("http check: curl_multi_socket_action: {}", curl_->multi_strerror(rc));
  }
  completeFinished();
}

void CurlMultiService::completeFinished() {
  struct Finished {
    CURL* easy;
    uint64_t id;
    CURLcode rc;
  };
  // Collect first: on_done may remove or add other handles, which invalidates curl's
  // message queue. The id guards against a handle freed and reallocated meanwhile.
  std::vector<Finished> finished;
  int left = 0;
  while (CURLMsg* msg = curl_->multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    auto it = transfers_.find(msg->easy_handle);
    if (it != transfers_.end()) {
      finished.push_back({msg->easy_handle, it->second.id, msg->data.result});
    }
  }
  for (const auto& f : finished) {
    auto it = transfers_.find(f.easy);
    if (it == transfers_.end() || it->second.id != f.id) {
      continue;
    }
    DoneFn on_done = std::move(it->second.on_done);
    transfers_.erase(it);
    curl_->multi_remove_handle(multi_, f.easy);
    try {
      on_done(f.rc);
    } catch (const std::exception& e) {
      spdlog::error("http check: completion threw: {}", e.what());
    } catch (...) {
      spdlog::error("http check: completion threw");
    }
  }
}

}  // namespace ninevolt::checks::http

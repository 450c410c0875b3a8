#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace ninevolt::checks {

// Whether a loop still exists, for threads that call back into it (gRPC's, the push board's
// etcd thread): an asio service of the loop clears it when the loop is destroyed, so a late
// callback at shutdown finds it gone instead of posting to freed memory.
struct LoopLink {
  std::mutex mutex;
  boost::asio::io_context* io = nullptr;

  // Posts fn to the loop if it still exists; false (fn not run, still owned by the caller's
  // copy) when it is gone.
  template <class Fn>
  bool post(Fn&& fn) {
    std::lock_guard lock(mutex);
    if (io == nullptr) {
      return false;
    }
    boost::asio::post(*io, std::forward<Fn>(fn));
    return true;
  }
};

class LoopLinkService : public boost::asio::execution_context::service {
 public:
  using key_type = LoopLinkService;
  static inline boost::asio::execution_context::id id;  // NOLINT: asio's service id
  explicit LoopLinkService(boost::asio::execution_context& context)
      : service(context), link_(std::make_shared<LoopLink>()) {
    link_->io = &static_cast<boost::asio::io_context&>(context);
  }
  std::shared_ptr<LoopLink> link() const { return link_; }

 private:
  void shutdown() override {
    std::lock_guard lock(link_->mutex);
    link_->io = nullptr;
  }
  std::shared_ptr<LoopLink> link_;
};

// The link of `io` (one per loop).
inline std::shared_ptr<LoopLink> loopLink(boost::asio::io_context& io) {
  return boost::asio::use_service<LoopLinkService>(io).link();
}

}  // namespace ninevolt::checks

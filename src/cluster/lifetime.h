#pragma once

#include <memory>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace ninevolt::cluster {

// Guards callbacks against an owner that has gone. A timer that already fired, or a
// callback posted from a watcher/keeper thread, can still run after its owner was destroyed;
// wrapping it with guard() makes it do nothing then. Declare the Lifetime as the owner's
// LAST member, so it ends first, before anything a callback could touch.
class Lifetime {
 public:
  Lifetime() = default;
  ~Lifetime() { *alive_ = false; }
  Lifetime(const Lifetime&) = delete;
  Lifetime& operator=(const Lifetime&) = delete;

  // fn, called only while the owner lives; takes whatever arguments fn takes.
  template <typename Fn>
  auto guard(Fn fn) const {
    return [alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)](auto&&... args) mutable {
      auto a = alive.lock();
      if (a && *a) {
        fn(std::forward<decltype(args)>(args)...);
      }
    };
  }

  // Runs fn on the loop, if the owner still lives by then.
  template <typename Fn>
  void post(boost::asio::io_context& io, Fn fn) const {
    boost::asio::post(io, guard(std::move(fn)));
  }

 private:
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ninevolt::cluster

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ninevolt::testing {

// One Server-Sent Events message as a client sees it.
struct SseMessage {
  std::string id;
  std::string event;
  std::string data;  // data lines joined with "\n"
};

// A plain HTTP/1.1 client for a text/event-stream response on 127.0.0.1: sends one GET, reads
// the head and the chunked body on a thread of its own, and parses the messages as a
// browser's EventSource would (comments counted, not returned). Every wait has a deadline,
// scaled by the build's slowdown (support/slowdown.h) as eventually()'s are; the destructor
// closes the socket and joins the thread.
class SseClient {
 public:
  SseClient(uint16_t port, const std::string& target,
            const std::map<std::string, std::string>& headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // The response status (0: no answer within the timeout or the connection failed).
  int status(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string header(const std::string& name);  // case-insensitive; "" when absent
  std::string body();  // everything of the body so far (for non-stream answers)

  // The next message, or nullopt when none came within the timeout or the stream ended.
  std::optional<SseMessage> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True once the server ended the stream (EOF); clean = the final chunk came first.
  bool waitEnded(std::chrono::milliseconds timeout, bool* clean = nullptr);
  int comments();  // comment lines seen (": keep-alive")
  void close();    // closes the connection from this side

 private:
  void run(uint16_t port, std::string request);
  void parse();  // mu_ held

  std::mutex mu_;
  std::condition_variable cv_;
  int status_ = 0;
  bool head_done_ = false;
  std::map<std::string, std::string> headers_;
  std::string body_;
  size_t parsed_ = 0;  // how much of body_ parse() consumed
  SseMessage current_;
  bool has_data_ = false;
  std::deque<SseMessage> messages_;
  int comments_ = 0;
  bool ended_ = false;
  bool clean_ = false;
  int fd_ = -1;
  std::thread thread_;
};

}  // namespace ninevolt::testing

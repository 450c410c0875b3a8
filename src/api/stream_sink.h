#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace ninevolt::api {

// The open body of a streaming response (Server-Sent Events), handed by the HTTP server to
// the route that asked for it (Response::stream). The status line and headers have been
// sent (chunked transfer encoding, no Content-Length); everything written goes out as body
// chunks, in order.
//
// Loop thread only (the thread that runs the HttpServer's io_context). The sink never
// blocks: write() queues, and buffered() tells how much is still waiting for a slow client,
// so the owner can bound it (the server itself does not). A write that makes no progress
// for a while (the server's stream write deadline) ends the stream.
class StreamSink {
 public:
  virtual ~StreamSink() = default;

  // Queues data. False (nothing queued) once the stream is ending or closed.
  virtual bool write(std::string data) = 0;
  // Bytes queued or being written, not yet taken by the socket.
  virtual size_t buffered() const = 0;
  // Ends the stream once what is queued has been written (the final chunk, then close).
  virtual void end() = 0;
  // False once end() was called or the connection is gone.
  virtual bool open() const = 0;
  // Called once, on the loop, when the stream is over: the client went away, a write failed
  // or timed out, end() finished, or the server stopped. Set after the close, it is called
  // at once (posted, never from inside onClosed itself).
  virtual void onClosed(std::function<void()> callback) = 0;
};

}  // namespace ninevolt::api

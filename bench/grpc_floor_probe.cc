// grpc_floor_probe: the least a process that talks to etcd over gRPC can be. One channel, one
// unary call (etcdserverpb.KV/Range, an empty request sent as bytes: no generated code, none
// of 9volt's), then it waits to be measured (grpc_floor.cc). Linked like the 9volt binary
// (gRPC, protobuf and abseil static; OpenSSL, zlib and the C/C++ runtime shared).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: grpc_floor_probe HOST:PORT\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/etcdserverpb.KV/Range", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_all();
                 });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  // etcd answers an empty Range with "key is not provided": a round trip all the same.
  std::printf("answered: %d %s\n", static_cast<int>(status.error_code()),
              status.error_message().c_str());
  std::fflush(stdout);
  for (;;) {
    pause();
  }
}

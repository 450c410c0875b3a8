#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace ninevolt::app {

// An exclusive lock on a data directory (flock on DIR/9volt.lock, holding our pid), so a
// second `9volt server` on the same directory fails with a clear error instead of
// starting a second etcd on the same files. Released on destruction or process death.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace ninevolt::app

#include "app/data_dir.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

namespace ninevolt::app {

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                fmt::format("cannot create data dir {}: {}", dir, ec.message()));
  }
  std::string path = (std::filesystem::path(dir) / "9volt.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Errc::kInvalidArgument,
                fmt::format("cannot open {}: {}", path,
                            std::error_code(errno, std::generic_category()).message()));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    std::ifstream(path) >> holder;
    ::close(fd);
    return fail(Errc::kConflict,
                fmt::format("data dir {} is in use by another 9volt server (pid {}); stop it or "
                            "give this one its own --data-dir",
                            dir, holder.empty() ? "unknown" : holder));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::write(fd, pid.data(), pid.size()) < 0) {
    // The lock holds either way; the pid is only for the error message above.
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd, path));
}

DataDirLock::~DataDirLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace ninevolt::app

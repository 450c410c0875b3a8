#include "checks/exec/spawn.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace ninevolt::checks::exec {
namespace {

std::string errnoText(int err) {
  return std::system_category().message(err);  // strerror is not thread-safe
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so call the kernel directly.
int pidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Owns the posix_spawn attribute objects for one call.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

Result<Child> spawnChild(const std::string& command, const std::vector<std::string>& args) {
  std::array<int, 2> fds{};
  // Close-on-exec: a child spawned concurrently on another loop must not inherit this pipe.
  if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    return fail(Errc::kInternal, "pipe: " + errnoText(errno));
  }
  int read_end = fds[0];
  int write_end = fds[1];
  // The child's end blocks, as programs expect of stdout.
  ::fcntl(write_end, F_SETFL, ::fcntl(write_end, F_GETFL) & ~O_NONBLOCK);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, write_end, 1);
  posix_spawn_file_actions_adddup2(&setup.actions, write_end, 2);
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);

  // Own process group (pgid = pid): a timeout kills grandchildren too. Signals the server
  // blocks or ignores (SIGPIPE, say) must not stay blocked or ignored in the plugin.
  sigset_t empty;
  sigset_t all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &all);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(command.c_str()));
  for (const auto& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  pid_t pid = -1;
  bool search_path = command.find('/') == std::string::npos;
  int err =
      search_path
          ? posix_spawnp(&pid, command.c_str(), &setup.actions, &setup.attr, argv.data(), environ)
          : posix_spawn(&pid, command.c_str(), &setup.actions, &setup.attr, argv.data(), environ);
  ::close(write_end);
  if (err != 0) {
    ::close(read_end);
    return fail(err == ENOENT ? Errc::kNotFound : Errc::kInternal,
                fmt::format("cannot run {}: {}", command, errnoText(err)));
  }

  // The child cannot be reaped by anyone but us yet, so its pid still names it here.
  int pidfd = pidfdOpen(pid);
  if (pidfd < 0) {
    int open_err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(read_end);
    return fail(Errc::kInternal, "pidfd_open: " + errnoText(open_err));
  }
  return Child{pid, pidfd, read_end};
}

}  // namespace ninevolt::checks::exec

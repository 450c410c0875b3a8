#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "app/cfg_command.h"
#include "app/check_command.h"
#include "app/server_command.h"

namespace ninevolt::app {

// The whole command line of the 9volt binary, declared in one place so tests can parse
// argv/env exactly as main() does.
struct Cli {
  CLI::App app{
      "9volt: distributed remote monitoring on etcd. Start `9volt server` on any number of "
      "machines pointed at one etcd; push checks with `9volt cfg DIR`."};
  ServerOptions server;
  CfgOptions cfg;
  CheckOptions check;
  CLI::App* server_cmd = nullptr;
  CLI::App* cfg_cmd = nullptr;
  CLI::App* check_cmd = nullptr;
  CLI::App* version_cmd = nullptr;

  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // Runs the parsed command; returns the exit code.
  int run();
};

}  // namespace ninevolt::app

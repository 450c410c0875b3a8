// 9volt: distributed remote monitoring. main() only hands argv to the CLI (src/app/cli.h).
#include "app/cli.h"
#include "common/memory.h"

int main(int argc, char** argv) {
  ninevolt::common::tuneAllocator();  // before any thread starts
  ninevolt::app::Cli cli;
  CLI11_PARSE(cli.app, argc, argv);
  return cli.run();
}

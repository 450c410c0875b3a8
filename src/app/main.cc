// 9volt: distributed remote monitoring. main() only hands argv to the CLI (src/app/cli.h).
#include "app/cli.h"

int main(int argc, char** argv) {
  ninevolt::app::Cli cli;
  CLI11_PARSE(cli.app, argc, argv);
  return cli.run();
}

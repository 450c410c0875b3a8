// The command line as main() parses it: flags beat env, env beats defaults, lists.
#include "app/cli.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::app {
namespace {

using ::testing::ElementsAre;

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k);
      saved_.emplace_back(k, old ? std::optional<std::string>(old) : std::nullopt);
      setenv(k, v, 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      v ? setenv(k.c_str(), v->c_str(), 1) : unsetenv(k.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

void parse(Cli& cli, std::vector<std::string> args) {
  std::vector<const char*> argv{"9volt"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  cli.app.parse(static_cast<int>(argv.size()), argv.data());
}

TEST(Cli, DefaultsAreTheOriginals) {
  Cli cli;
  parse(cli, {"server"});
  EXPECT_TRUE(*cli.server_cmd);
  EXPECT_TRUE(cli.server.etcd.members.empty());  // -> private etcd
  EXPECT_EQ(cli.server.etcd.prefix, "9volt");
  EXPECT_EQ(cli.server.listen, "0.0.0.0:8080");
  EXPECT_EQ(cli.server.etcd.data_dir, "./9volt-data");
  EXPECT_FALSE(cli.server.debug);
}

TEST(Cli, MembersTakeCommaListsAndRepeats) {
  Cli cli;
  parse(cli, {"server", "-e", "http://a:2379,http://b:2379", "-e", "http://c:2379", "-t", "x,y"});
  EXPECT_THAT(cli.server.etcd.members,
              ElementsAre("http://a:2379", "http://b:2379", "http://c:2379"));
  EXPECT_THAT(cli.server.tags, ElementsAre("x", "y"));
}

TEST(Cli, EnvBeatsDefaultsAndFlagsBeatEnv) {
  ScopedEnv env{{"NINEV_ETCD_MEMBERS", "http://e1:2379,http://e2:2379"},
                {"NINEV_ETCD_PREFIX", "envprefix"},
                {"NINEV_LISTEN_ADDRESS", "127.0.0.1:9000"},
                {"NINEV_MEMBER_TAGS", "t1,t2"},
                {"NINEV_ACCESS_TOKENS", "tok1,tok2"},
                {"NINEV_DEBUG", "true"},
                {"NINEV_ETCD_USERPASS", "u:p"}};
  {
    Cli cli;
    parse(cli, {"server"});
    EXPECT_THAT(cli.server.etcd.members, ElementsAre("http://e1:2379", "http://e2:2379"));
    EXPECT_EQ(cli.server.etcd.prefix, "envprefix");
    EXPECT_EQ(cli.server.listen, "127.0.0.1:9000");
    EXPECT_THAT(cli.server.tags, ElementsAre("t1", "t2"));
    EXPECT_THAT(cli.server.access_tokens, ElementsAre("tok1", "tok2"));
    EXPECT_TRUE(cli.server.debug);
    EXPECT_EQ(cli.server.etcd.userpass, "u:p");
  }
  {
    Cli cli;
    parse(cli, {"server", "-p", "flagprefix", "-l", "127.0.0.1:9001", "-e", "http://f:2379"});
    EXPECT_EQ(cli.server.etcd.prefix, "flagprefix");
    EXPECT_EQ(cli.server.listen, "127.0.0.1:9001");
    EXPECT_THAT(cli.server.etcd.members, ElementsAre("http://f:2379"));
  }
}

TEST(Cli, CfgFlagsAndDryRunAlias) {
  Cli cli;
  parse(cli, {"cfg", "a", "b", "--nosync", "--replace", "--dryrun"});
  EXPECT_TRUE(*cli.cfg_cmd);
  EXPECT_THAT(cli.cfg.paths, ElementsAre("a", "b"));
  EXPECT_TRUE(cli.cfg.nosync);
  EXPECT_TRUE(cli.cfg.replace);
  EXPECT_TRUE(cli.cfg.dry_run);
  Cli cli2;
  parse(cli2, {"cfg", "a", "--dry-run"});
  EXPECT_TRUE(cli2.cfg.dry_run);
}

TEST(Cli, CfgNeedsADirAndUnknownFlagsAreErrors) {
  Cli cli;
  EXPECT_THROW(parse(cli, {"cfg"}), CLI::ParseError);
  Cli cli2;
  EXPECT_THROW(parse(cli2, {"server", "--no-such-flag"}), CLI::ParseError);
}

TEST(Cli, UserpassAndTimeoutAreValidated) {
  EtcdFlags f;
  f.userpass = "nocolon";
  EXPECT_FALSE(f.clientOptions({"http://x:1"}));
  f.userpass = "u:p:w";
  auto ok = f.clientOptions({"http://x:1"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->username, "u");
  EXPECT_EQ(ok->password, "p:w");
  f.timeout = "5";
  EXPECT_FALSE(f.clientOptions({"http://x:1"}));
  f.timeout = "1500ms";
  EXPECT_EQ(f.clientOptions({"http://x:1"})->call_timeout, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace ninevolt::app

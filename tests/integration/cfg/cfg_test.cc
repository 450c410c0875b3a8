// `9volt cfg` end to end against a real etcd.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/cfg_command.h"
#include "store/store.h"
#include "support/etcd_fixture.h"

namespace ninevolt::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAlerters = R"(
alerter:
  hook:
    type: webhook
    description: local receiver
    options:
      url: http://127.0.0.1:9999/alerts
)";

constexpr const char* kWeb = R"(
monitor:
  web:
    type: http
    host: 127.0.0.1
    port: 8080
    url: /status/check?verbose=1&x=%20
    interval: 10s
    timeout: 2s
    critical-alerter: [hook]
)";

constexpr const char* kDb = R"(
monitor:
  db:
    type: tcp
    host: 127.0.0.1
    port: 5432
    interval: 30s
)";

class CfgTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    configs_ = std::make_unique<ninevolt::testing::TempDir>();
    configs_->write("alerters.yaml", kAlerters);
    configs_->write("checks/web.yaml", kWeb);
    configs_->write("checks/db.yml", kDb);
  }

  int cfg(bool nosync = false, bool replace = false, bool dry_run = false) {
    CfgOptions o;
    o.paths = {configs_->str()};
    o.etcd.members = {etcd_->endpoint()};
    o.nosync = nosync;
    o.replace = replace;
    o.dry_run = dry_run;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    int rc = runCfg(o);
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }

  int64_t revision() {
    auto s = client_->status();
    EXPECT_TRUE(s) << s.error().message;
    return s ? s->revision : -1;
  }

  std::map<std::string, etcd::KeyValue> dump() {
    std::map<std::string, etcd::KeyValue> out;
    auto r = client_->range("/9volt/", {.prefix = true});
    EXPECT_TRUE(r);
    for (const auto& kv : r->kvs) {
      out[kv.key] = kv;
    }
    return out;
  }

  std::unique_ptr<ninevolt::testing::TempDir> configs_;
  std::string out_;
  std::string err_;
};

TEST_F(CfgTest, AppliesThenReapplyIsAllUnchanged) {
  ASSERT_EQ(cfg(), kCfgOk) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("add       monitor 'web'"));
  EXPECT_THAT(out_, HasSubstr("add       monitor 'db'"));
  EXPECT_THAT(out_, HasSubstr("add       alerter 'hook'"));
  EXPECT_THAT(out_, HasSubstr("applied 3 change(s) in 1 transaction(s)"));
  auto kvs = dump();
  ASSERT_EQ(kvs.count("/9volt/monitor/web"), 1U);
  auto web = nlohmann::json::parse(kvs["/9volt/monitor/web"].value);
  EXPECT_EQ(web["url"], "/status/check?verbose=1&x=%20");  // query string intact
  EXPECT_EQ(web["interval"], "10s");
  EXPECT_EQ(web["port"], 8080);
  // All three were written in one txn: one revision.
  EXPECT_EQ(kvs["/9volt/monitor/web"].mod_revision, kvs["/9volt/alerter/hook"].mod_revision);

  int64_t before = revision();
  ASSERT_EQ(cfg(), kCfgOk) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("plan: 0 add, 0 update, 0 delete, 3 unchanged"));
  EXPECT_THAT(out_, HasSubstr("nothing to do"));
  EXPECT_EQ(revision(), before);
}

TEST_F(CfgTest, EditingOneFieldIsOneUpdate) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  auto before = dump();
  std::string edited = kDb;
  edited.replace(edited.find("30s"), 3, "45s");
  configs_->write("checks/db.yml", edited);
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  EXPECT_THAT(out_, HasSubstr("update    monitor 'db': interval"));
  EXPECT_THAT(out_, HasSubstr("plan: 0 add, 1 update, 0 delete, 2 unchanged"));
  auto after = dump();
  EXPECT_EQ(nlohmann::json::parse(after["/9volt/monitor/db"].value)["interval"], "45s");
  EXPECT_EQ(after["/9volt/monitor/web"].mod_revision, before["/9volt/monitor/web"].mod_revision);
  EXPECT_EQ(after["/9volt/alerter/hook"].mod_revision, before["/9volt/alerter/hook"].mod_revision);
}

TEST_F(CfgTest, RemovedFileIsDeletedUnlessNoSync) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  std::filesystem::remove(configs_->path() / "checks/db.yml");
  ASSERT_EQ(cfg(/*nosync=*/true), kCfgOk) << err_;
  EXPECT_THAT(out_, Not(HasSubstr("delete    monitor 'db'")));
  EXPECT_EQ(dump().count("/9volt/monitor/db"), 1U);
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  EXPECT_THAT(out_, HasSubstr("delete    monitor 'db'"));
  EXPECT_EQ(dump().count("/9volt/monitor/db"), 0U);
  EXPECT_EQ(dump().count("/9volt/monitor/web"), 1U);
}

TEST_F(CfgTest, MaintenanceWindowsArePlannedAppliedAndSyncedLikeMonitors) {
  configs_->write("maintenance.yaml", R"(maintenance:
  patching:
    check: "web*"
    schedule: "0 2 * * sun"
    duration: 2h
    timezone: Europe/Berlin
)");
  ASSERT_EQ(cfg(), kCfgOk) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("add       maintenance 'patching'"));
  auto stored = dump();
  ASSERT_EQ(stored.count("/9volt/maintenance/patching"), 1U);
  EXPECT_EQ(nlohmann::json::parse(stored["/9volt/maintenance/patching"].value)["timezone"],
            "Europe/Berlin");
  // A bad window stops the whole run (nothing written), naming the file and the field.
  configs_->write("maintenance.yaml", R"(maintenance:
  patching:
    check: "web*"
    schedule: "0 2 * * sun"
    duration: 2h
    timezone: Europe/Atlantis
)");
  const int64_t before = revision();
  EXPECT_NE(cfg(), kCfgOk);
  EXPECT_THAT(out_ + err_,
              HasSubstr("maintenance 'patching': timezone: unknown time zone 'Europe/Atlantis'"));
  EXPECT_EQ(revision(), before);
  // Gone from the files: deleted from etcd.
  std::filesystem::remove(configs_->path() / "maintenance.yaml");
  ASSERT_EQ(cfg(), kCfgOk) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("delete    maintenance 'patching'"));
  EXPECT_EQ(dump().count("/9volt/maintenance/patching"), 0U);
}

TEST_F(CfgTest, DryRunWritesNothingWhateverElseIsSet) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  std::filesystem::remove(configs_->path() / "checks/db.yml");
  configs_->write("checks/web.yaml", std::string(kWeb) + "    description: changed\n");
  auto before = dump();
  int64_t rev = revision();
  ASSERT_EQ(cfg(false, /*replace=*/true, /*dry_run=*/true), kCfgOk) << err_;
  EXPECT_THAT(out_, HasSubstr("delete    monitor 'db'"));
  EXPECT_THAT(out_, HasSubstr("update    monitor 'web': description"));
  EXPECT_THAT(out_, HasSubstr("dry run: nothing written"));
  EXPECT_EQ(revision(), rev);
  auto after = dump();
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [k, kv] : before) {
    EXPECT_EQ(after[k].value, kv.value) << k;
    EXPECT_EQ(after[k].mod_revision, kv.mod_revision) << k;
  }
}

TEST_F(CfgTest, InvalidInputWritesNothingAndExitsTwo) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  int64_t rev = revision();
  configs_->write("checks/bad.yaml", R"(
monitor:
  bad:
    type: http
    host: 127.0.0.1
    interval: 5s
    timeout: 10s
    critical-alerter: [nope]
  "bad name!":
    type: exec
    interval: 5s
)");
  configs_->write("checks/db.yml", std::string(kDb) + "    intervall: 5s\n");
  EXPECT_EQ(cfg(), kCfgInvalid);
  EXPECT_THAT(err_, HasSubstr("monitor 'bad': timeout: 10s must be shorter than interval 5s"));
  EXPECT_THAT(err_, HasSubstr("nope"));
  EXPECT_THAT(err_, HasSubstr("did you mean 'interval'"));
  EXPECT_THAT(err_, HasSubstr("nothing was written"));
  EXPECT_EQ(revision(), rev);
}

// Issue 11: what aborted `cfg` (rc 134) or was silently cut is now a problem naming file,
// object and field, exit 2, nothing written.
TEST_F(CfgTest, HostileFilesAreProblemsNeverAborts) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  int64_t rev = revision();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"monitor:\n  big:\n    type: tcp\n    host: 127.0.0.1\n    port: 1e999\n    interval: 10s\n",
       "monitor 'big': port: number 1e999 is out of range"},
      {"monitor:\n  tiny:\n    type: tcp\n    host: 127.0.0.1\n    port: 1e-999\n    interval: "
       "10s\n",
       "monitor 'tiny': port: number 1e-999 is out of range"},
      {"monitor:\n  hex:\n    type: tcp\n    host: 127.0.0.1\n    port: 0xFFFFFFFFFFFFFFFFFFFFFF\n"
       "    interval: 10s\n",
       "port: number 0xFFFFFFFFFFFFFFFFFFFFFF is out of range"},
      {"monitor:\n  utf:\n    type: tcp\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n"
       "    description: \"\xff\xfe\"\n",
       "monitor.utf.description: not valid UTF-8"},
      {"monitor:\n  one:\n    type: tcp\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n"
       "---\nmonitor:\n  two:\n    type: tcp\n    host: 127.0.0.1\n    port: 2\n    interval: "
       "10s\n",
       "a second YAML document"},
      {"monitor:\n  fast:\n    type: tcp\n    host: 127.0.0.1\n    port: 1\n    interval: 1ns\n",
       "monitor 'fast': interval: must be at least 100ms, got 1ns"},
      {"monitor:\n  open:\n    type: \"tcp\n    host: 127.0.0.1\n",
       "quoted string is never closed"},
      {"monitor:\n  d:\n    type: tcp\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n"
       "    tags: "
           + std::string(100, '[') + std::string(100, ']') + "\n",
       "nested"},
  };
  for (const auto& [text, expected] : cases) {
    configs_->write("checks/hostile.yaml", text);
    EXPECT_EQ(cfg(), kCfgInvalid) << text << "\n" << out_;
    EXPECT_THAT(err_, HasSubstr(expected)) << text;
    EXPECT_THAT(err_, HasSubstr("hostile.yaml"));
    EXPECT_THAT(err_, HasSubstr("nothing was written"));
    EXPECT_EQ(revision(), rev) << text;
  }
}

TEST_F(CfgTest, TheOriginalsEnabledFieldIsAccepted) {
  configs_->write("checks/orig.yaml",
                  "monitor:\n  orig:\n    type: http\n    host: 127.0.0.1\n    interval: 10s\n"
                  "    enabled: true\n");
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  auto stored = client_->range("/9volt/monitor/orig", {});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->kvs.size(), 1U);
}

TEST_F(CfgTest, ChangesLargerThanOneEtcdRequestAreSplitBySize) {
  // 12 monitors of ~200 KiB each: 2.4 MiB, above etcd's 1.5 MiB per request. One txn of them
  // was refused ("message larger than max"); now they go in several.
  std::string yaml = "monitor:\n";
  for (int i = 0; i < 12; ++i) {
    yaml += "  big" + std::to_string(i) + ":\n    type: http\n    host: 127.0.0.1\n"
            "    interval: 1m\n    headers:\n";
    for (int h = 0; h < 4; ++h) {
      yaml += "      X-" + std::to_string(h) + ": " + std::string(50'000, 'a' + h) + "\n";
    }
  }
  configs_->write("checks/big.yaml", yaml);
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  EXPECT_THAT(out_, HasSubstr("applied 15 change(s)"));  // and the set of SetUp
  EXPECT_THAT(out_, Not(HasSubstr("in 1 transaction(s)")));
  auto count = client_->range("/9volt/monitor/big", {.prefix = true, .count_only = true});
  ASSERT_TRUE(count);
  EXPECT_EQ(count->count, 12);
}

TEST_F(CfgTest, EtcdDownIsExitOneWithinTheDeadline) {
  ASSERT_TRUE(etcd_->stop());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(cfg(), kCfgEtcdError);
  EXPECT_THAT(err_, HasSubstr("etcd"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(CfgTest, LargeSetIsAppliedInBatchesAndCompletely) {
  std::string yaml = "monitor:\n";
  for (int i = 0; i < 300; ++i) {
    yaml += "  m" + std::to_string(i) +
            ":\n    type: tcp\n    host: 127.0.0.1\n    port: 1\n    interval: 1m\n"
            "    critical-alerter: [hook]\n";
  }
  configs_->write("checks/many.yaml", yaml);
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  EXPECT_THAT(out_, HasSubstr("applied 303 change(s) in 3 transaction(s)"));
  auto count = client_->range("/9volt/monitor/", {.prefix = true, .count_only = true});
  ASSERT_TRUE(count);
  EXPECT_EQ(count->count, 302);
}

TEST_F(CfgTest, ConcurrentChangeBetweenPlanAndApplyIsAConflict) {
  ASSERT_EQ(cfg(), kCfgOk) << err_;
  store::Store store(client_, "9volt");
  auto snap = store.loadConfigs();
  ASSERT_TRUE(snap);
  std::vector<store::ConfigChange> changes{{store::ConfigChange::kPut, store::ConfigKind::kMonitor,
                                            "db", R"({"type":"tcp"})",
                                            snap->monitors.at("db").mod_revision}};
  // Someone else edits db after we read it.
  ASSERT_TRUE(client_->put("/9volt/monitor/db", R"({"edited":true})"));
  auto r = store.applyConfigChanges(changes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(client_->range("/9volt/monitor/db")->kvs.at(0).value, R"({"edited":true})");
}

}  // namespace
}  // namespace ninevolt::app

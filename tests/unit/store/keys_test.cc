#include "store/keys.h"

#include <gtest/gtest.h>

namespace ninevolt::store {
namespace {

TEST(Keys, PrefixIsNormalised) {
  EXPECT_EQ(Keys("9volt").root(), "/9volt");
  EXPECT_EQ(Keys("/9volt/").root(), "/9volt");
  EXPECT_EQ(Keys("//team/a//").root(), "/team/a");
  EXPECT_EQ(Keys("").root(), "/9volt");
}

TEST(Keys, LayoutMatchesDesign) {
  Keys k("9volt");
  EXPECT_EQ(k.monitor("web"), "/9volt/monitor/web");
  EXPECT_EQ(k.alerter("pd"), "/9volt/alerter/pd");
  EXPECT_EQ(k.member("abcd1234"), "/9volt/cluster/members/abcd1234");
  EXPECT_EQ(k.director(), "/9volt/cluster/director");
  EXPECT_EQ(k.assignmentsPrefix("abcd1234"), "/9volt/cluster/assignments/abcd1234/");
  EXPECT_EQ(k.state("web"), "/9volt/state/web");
  EXPECT_EQ(k.incident("web"), "/9volt/incident/web");
  EXPECT_EQ(k.eventPrefix(), "/9volt/event/");
  EXPECT_EQ(k.clusterConfig(), "/9volt/config");
}

TEST(Keys, NameUnderTakesOnlyDirectChildren) {
  EXPECT_EQ(Keys::nameUnder("/9volt/monitor/", "/9volt/monitor/web"), "web");
  EXPECT_EQ(Keys::nameUnder("/9volt/monitor/", "/9volt/monitor/a/b"), std::nullopt);
  EXPECT_EQ(Keys::nameUnder("/9volt/monitor/", "/9volt/monitor/"), std::nullopt);
  EXPECT_EQ(Keys::nameUnder("/9volt/monitor/", "/9volt/alerter/x"), std::nullopt);
}

}  // namespace
}  // namespace ninevolt::store

// The incident rules under a silence: what a silence holds back is recorded, not sent; what
// is still true when it ends is sent once, under the recorded transition id; an alerter that
// never heard of a failure hears nothing of its end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/incident.h"
#include "deliveries.h"

namespace ninevolt::alerts {
namespace {

using state::CheckState;
using testing::deliverAll;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::said;

const std::vector<std::string> kWarn{"chat"};
const std::vector<std::string> kCrit{"chat", "pager"};
const common::SystemTime kNow{std::chrono::hours(2)};

IncidentStep apply(std::optional<Incident> cur, CheckState from, CheckState to,
                   const std::string& silence = "", bool quiet = false) {
  ChangeOfState c{"web", from, to, 3, "refused", common::SystemTime(std::chrono::hours(1))};
  return applyChange(std::move(cur), c, kWarn, kCrit, "m1", "id1", silence, quiet);
}

TEST(SilencedIncident, AFailureUnderASilenceIsRecordedNotSent) {
  auto s = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, "s1");
  ASSERT_TRUE(s.incident);
  EXPECT_TRUE(s.changed);
  EXPECT_THAT(s.deliveries, IsEmpty());
  EXPECT_THAT(said(s.suppressed), ElementsAre("chat:critical", "pager:critical"));
  const Told& pager = s.incident->alerters.at("pager");
  EXPECT_FALSE(pager.sent());
  ASSERT_TRUE(pager.suppressed);
  EXPECT_EQ(pager.suppressed->by, "s1");
  EXPECT_EQ(pager.suppressed->transition_id, "web/id1/1");
  EXPECT_TRUE(hasSuppressed(*s.incident));
  // A new owner re-sends nothing of it: it waits for the silence.
  EXPECT_THAT(unsettled(*s.incident), IsEmpty());
  // It survives etcd.
  auto back = Incident::fromJson(s.incident->toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->alerters.at("pager").suppressed->by, "s1");
}

TEST(SilencedIncident, WhenTheSilenceEndsAStillFailingCheckAlertsOnceWithTheRecordedId) {
  auto s = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, "s1");
  auto r = releaseSuppressed(*s.incident, "m2", kNow);
  EXPECT_TRUE(r.changed);
  EXPECT_THAT(said(r.deliveries), ElementsAre("chat:critical", "pager:critical"));
  EXPECT_EQ(r.deliveries[0].transition_id, "web/id1/1");
  ASSERT_TRUE(r.incident);
  EXPECT_FALSE(hasSuppressed(*r.incident));
  EXPECT_EQ(r.incident->owner, "m2");
  EXPECT_THAT(said(unsettled(*r.incident)), ElementsAre("chat:critical", "pager:critical"));
  // Released twice (two members, or a retry): nothing more.
  auto again = releaseSuppressed(*r.incident, "m2", kNow);
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.deliveries, IsEmpty());
}

TEST(SilencedIncident, ACheckThatRecoveredUnderTheSilenceSendsNothingAtAll) {
  auto s = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, "s1");
  auto ok = apply(s.incident, CheckState::kCritical, CheckState::kOk, "s1");
  EXPECT_TRUE(ok.changed);
  EXPECT_THAT(ok.deliveries, IsEmpty());
  EXPECT_THAT(ok.suppressed, IsEmpty());
  EXPECT_FALSE(ok.incident);  // nobody was told: nothing to remember
  // The same when the silence ended before the recovery was seen (not released yet).
  auto late = apply(s.incident, CheckState::kCritical, CheckState::kOk);
  EXPECT_THAT(late.deliveries, IsEmpty());
  EXPECT_FALSE(late.incident);
}

TEST(SilencedIncident, AResolveOfAFailureSentBeforeTheSilenceWaitsForItsEnd) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical);
  deliverAll(*c.incident, c.deliveries);
  auto ok = apply(c.incident, CheckState::kCritical, CheckState::kOk, "s1");
  EXPECT_THAT(ok.deliveries, IsEmpty());
  EXPECT_THAT(said(ok.suppressed), ElementsAre("chat:resolve", "pager:resolve"));
  ASSERT_TRUE(ok.incident);
  EXPECT_FALSE(ok.incident->finished());  // kept until the resolves go out
  auto r = releaseSuppressed(*ok.incident, "m1", kNow);
  EXPECT_THAT(said(r.deliveries), ElementsAre("chat:resolve", "pager:resolve"));
  ASSERT_TRUE(r.incident);
  deliverAll(*r.incident, r.deliveries);
  EXPECT_TRUE(r.incident->finished());
}

TEST(SilencedIncident, OnlyTheNewestHeldBackNotificationIsSent) {
  auto w = apply(std::nullopt, CheckState::kOk, CheckState::kWarning, "s1");
  auto c = apply(w.incident, CheckState::kWarning, CheckState::kCritical, "s1");
  auto back = apply(c.incident, CheckState::kCritical, CheckState::kWarning, "s1");
  auto r = releaseSuppressed(*back.incident, "m1", kNow);
  // chat hears the warning it is in now; pager (critical only) what it was held: critical.
  EXPECT_THAT(said(r.deliveries), ElementsAre("chat:warning", "pager:critical"));
}

TEST(SilencedIncident, AnAlerterToldBeforeTheSilenceHearsNothingNewForTheSameLevel) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical);
  deliverAll(*c.incident, c.deliveries);
  auto w = apply(c.incident, CheckState::kCritical, CheckState::kWarning, "s1");
  auto again = apply(w.incident, CheckState::kWarning, CheckState::kCritical, "s1");
  auto r = releaseSuppressed(*again.incident, "m1", kNow);
  // chat was told critical, and critical it is again; pager never left critical.
  EXPECT_THAT(r.deliveries, IsEmpty());
  EXPECT_FALSE(hasSuppressed(*r.incident));
}

TEST(SilencedIncident, AChangeAfterTheSilenceSendsAtOnceWhatIsTrueNow) {
  auto w = apply(std::nullopt, CheckState::kOk, CheckState::kWarning, "s1");
  auto c = apply(w.incident, CheckState::kWarning, CheckState::kCritical);  // silence over
  EXPECT_THAT(said(c.deliveries), ElementsAre("chat:critical", "pager:critical"));
  EXPECT_FALSE(hasSuppressed(*c.incident));
}

TEST(SilencedIncident, AQuietWindowSendsNothingOfWhatStillFailsWhenItCloses) {
  // A window with notify-after: false: the failure is dropped, not sent, at the close.
  auto s = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, "maintenance/w", true);
  EXPECT_TRUE(s.incident->alerters.at("pager").suppressed->quiet);
  auto back = Incident::fromJson(s.incident->toJson());
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->alerters.at("pager").suppressed->quiet);
  auto r = releaseSuppressed(*s.incident, "m1", kNow);
  EXPECT_TRUE(r.changed);
  EXPECT_THAT(r.deliveries, IsEmpty());
  ASSERT_TRUE(r.incident);
  EXPECT_TRUE(r.incident->alerters.empty());
  // Its recovery then tells nobody.
  auto ok = apply(r.incident, CheckState::kCritical, CheckState::kOk);
  EXPECT_THAT(ok.deliveries, IsEmpty());
  // A resolve held by a quiet window still goes out: it closes what was opened before it.
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical);
  deliverAll(*c.incident, c.deliveries);
  auto resolved = apply(c.incident, CheckState::kCritical, CheckState::kOk, "maintenance/w", true);
  auto sent = releaseSuppressed(*resolved.incident, "m1", kNow);
  EXPECT_THAT(said(sent.deliveries), ElementsAre("chat:resolve", "pager:resolve"));
}

}  // namespace
}  // namespace ninevolt::alerts

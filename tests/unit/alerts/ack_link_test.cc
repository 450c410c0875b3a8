// Signed ack links: a link acks only the incident of the check it was made for, only with
// this cluster's secret, and only until it expires.
#include "alerts/ack_link.h"

#include <gtest/gtest.h>

namespace ninevolt::alerts {
namespace {

const common::SystemTime kNow{std::chrono::hours(24 * 20000)};
const std::string kSecret(64, 'k');

std::string tokenOf(const std::string& link) {
  return link.substr(link.find("?token=") + 7);
}

TEST(AckLinks, ALinkAcksItsIncidentOfItsCheck) {
  AckLinks links(kSecret);
  const std::string link = links.link("https://9volt.example.com/", "web", "17-m1", kNow);
  EXPECT_EQ(link.rfind("https://9volt.example.com/api/v1/ack/web?token=", 0), 0u) << link;
  auto incident = links.verify(tokenOf(link), "web", kNow + std::chrono::hours(1));
  ASSERT_TRUE(incident) << incident.error().message;
  EXPECT_EQ(*incident, "17-m1");
}

TEST(AckLinks, ALinkForAnotherCheckIsRefused) {
  AckLinks links(kSecret);
  auto r = links.verify(links.token("web", "17-m1", kNow + std::chrono::hours(1)), "db", kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kPermissionDenied);
  EXPECT_NE(r.error().message.find("another check"), std::string::npos);
}

TEST(AckLinks, AnExpiredLinkIsRefused) {
  AckLinks links(kSecret);
  const std::string token = links.token("web", "17-m1", kNow);
  EXPECT_FALSE(links.verify(token, "web", kNow));
  EXPECT_TRUE(links.verify(token, "web", kNow - std::chrono::seconds(1)));
  // Links are made to last kLifetime.
  const std::string link = links.link("http://h", "web", "17-m1", kNow);
  EXPECT_TRUE(
      links.verify(tokenOf(link), "web", kNow + AckLinks::kLifetime - std::chrono::seconds(1)));
  EXPECT_FALSE(links.verify(tokenOf(link), "web", kNow + AckLinks::kLifetime));
}

TEST(AckLinks, AForgedOrAlteredLinkIsRefused) {
  AckLinks links(kSecret);
  AckLinks other(std::string(64, 'x'));
  const auto expires = kNow + std::chrono::hours(1);
  // Signed with another secret.
  auto r = links.verify(other.token("web", "17-m1", expires), "web", kNow);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("forged"), std::string::npos);
  // Its payload altered to name another check, or to expire later, keeping the MAC.
  const std::string good = links.token("web", "17-m1", expires);
  const std::string mac = good.substr(good.find('.'));
  const std::string forged_check = other.token("db", "17-m1", expires);
  EXPECT_FALSE(links.verify(forged_check.substr(0, forged_check.find('.')) + mac, "db", kNow));
  const std::string later = other.token("web", "17-m1", expires + std::chrono::hours(1000));
  EXPECT_FALSE(links.verify(later.substr(0, later.find('.')) + mac, "web", kNow));
  // One hex digit of the MAC changed.
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(links.verify(flipped, "web", kNow));
  // Garbage of every shape.
  for (const std::string& junk :
       {std::string(""), std::string("."), std::string("zz.zz"), std::string("abc"),
        std::string(5000, 'a') + ".00", std::string("7765620a.")}) {
    auto j = links.verify(junk, "web", kNow);
    ASSERT_FALSE(j) << junk;
    EXPECT_EQ(j.error().code, Errc::kPermissionDenied);
  }
  // No secret: nothing verifies.
  EXPECT_FALSE(AckLinks("").verify(good, "web", kNow));
}

}  // namespace
}  // namespace ninevolt::alerts

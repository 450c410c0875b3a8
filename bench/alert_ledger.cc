#include "alert_ledger.h"

#include <algorithm>

#include <fmt/format.h>

namespace ninevolt::bench {

size_t AlertReport::violations() const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(),
                                           [](const Finding& f) { return f.violation; }));
}

nlohmann::json AlertReport::toJson() const {
  nlohmann::json f = nlohmann::json::array();
  for (const auto& x : findings) {
    f.push_back({{"at_s", static_cast<double>(x.at_ms) / 1000.0},
                 {"kind", x.kind},
                 {"detail", x.detail},
                 {"violation", x.violation}});
  }
  return {{"received", received},
          {"refused_by_receiver", refused},
          {"delivered", delivered},
          {"distinct_transitions", transitions},
          {"redelivered", redelivered},
          {"redelivered_in_kill_window", redelivered_in_kill_window},
          {"down_periods_judged", down_periods_judged},
          {"delivered_by_kind", by_kind},
          {"violations", violations()},
          {"findings", f}};
}

namespace {

char letter(const std::string& kind) {
  return kind == "warning" ? 'W' : kind == "critical" ? 'C' : kind == "resolve" ? 'R' : '?';
}

}  // namespace

AlertReport analyseAlerts(const std::vector<Notification>& received,
                          const std::vector<DownPeriod>& downs,
                          const std::vector<int64_t>& kills_ms, const AlertRules& rules) {
  AlertReport r;
  r.received = received.size();
  // (hook, transition) -> the deliveries of it, in arrival order.
  std::map<std::pair<std::string, std::string>, std::vector<const Notification*>> by_transition;
  for (const auto& n : received) {
    if (n.answered < 200 || n.answered > 299) {
      r.refused++;
      continue;
    }
    r.delivered++;
    by_transition[{n.hook, n.transition}].push_back(&n);
  }
  r.transitions = by_transition.size();

  // Same transition id delivered more than once: the receiver dedupes it. Documented only
  // for a member killed between the receiver's answer and the member recording it.
  std::vector<const Notification*> firsts;
  for (const auto& [key, list] : by_transition) {
    firsts.push_back(list.front());
    for (size_t i = 1; i < list.size(); ++i) {
      r.redelivered++;
      const int64_t a = list[i - 1]->at_ms;
      const int64_t b = list[i]->at_ms;
      const bool killed = std::any_of(kills_ms.begin(), kills_ms.end(),
                                      [&](int64_t k) { return k >= a && k <= b; });
      if (killed) {
        r.redelivered_in_kill_window++;
      }
      r.findings.push_back(
          {b, killed ? "alert-redelivered-after-kill" : "alert-redelivered",
           fmt::format("{} {} {} '{}' delivered again {:.1f} s after the first (by {} then {}); "
                       "{}",
                       key.first, list[i]->check, list[i]->kind, key.second,
                       static_cast<double>(b - a) / 1000.0, list[i - 1]->member, list[i]->member,
                       killed ? "a member was killed -9 in between: the documented window "
                                "(docs/alerting.md), deduped by transition_id"
                              : "no member was killed in between: outside the documented "
                                "window (a receiver deduping by transition_id sees it once)"),
           !killed});
    }
  }
  std::sort(firsts.begin(), firsts.end(),
            [](const Notification* a, const Notification* b) { return a->at_ms < b->at_ms; });

  // Per (check, hook), deduplicated, in arrival order: incidents are W? C? R, nothing else.
  std::map<std::pair<std::string, std::string>, std::vector<const Notification*>> seqs;
  for (const auto* n : firsts) {
    r.by_kind[n->kind]++;
    seqs[{n->check, n->hook}].push_back(n);
  }
  for (const auto& [key, seq] : seqs) {
    const auto& [check, hook] = key;
    const auto allowed = rules.kinds.find(hook);
    char open = 0;  // 0, 'W' or 'C': what the current incident told this hook last
    std::string letters;
    for (const auto* n : seq) {
      letters += letter(n->kind);
    }
    for (const auto* n : seq) {
      const char k = letter(n->kind);
      auto bad = [&](const std::string& why) {
        r.findings.push_back({n->at_ms, "alert-sequence",
                              fmt::format("{} {}: {} (sequence {}; W warning, C critical, R "
                                          "resolve; transition '{}' from {})",
                                          hook, check, why, letters, n->transition, n->member)});
      };
      if (allowed != rules.kinds.end() && !allowed->second.contains(n->kind)) {
        bad("a " + n->kind + " this alerter was not configured for");
      }
      if (k == 'R') {
        if (open == 0) {
          bad("a resolve without an open incident (a trigger lost, or the resolve sent twice)");
        }
        open = 0;
      } else if (k == 'W') {
        if (open != 0) {
          bad(open == 'W' ? "a second warning in one incident (duplicated under another id)"
                          : "a warning after a critical with no resolve between (resolve lost)");
        }
        open = 'W';
      } else if (k == 'C') {
        if (open == 'C') {
          bad("a second critical with no resolve between (duplicated under another id, or a "
              "resolve lost)");
        }
        open = 'C';
      }
    }
    if (open != 0) {
      r.findings.push_back(
          {seq.back()->at_ms, "alert-unresolved",
           fmt::format("{} {}: the incident was never resolved although every target is up "
                       "(sequence {}; resolve lost)",
                       hook, check, letters)});
    }
  }

  // Every long enough down period gave each critical hook one critical, during it or within
  // the grace after it; criticals outside any down period are noted.
  std::map<std::string, std::vector<const DownPeriod*>> downs_of;
  for (const auto& d : downs) {
    downs_of[d.check].push_back(&d);
  }
  for (const auto& d : downs) {
    if (d.to_ms - d.from_ms < rules.min_down_ms) {
      continue;
    }
    r.down_periods_judged++;
    for (const auto& hook : rules.critical_hooks) {
      auto it = seqs.find({d.check, hook});
      const bool got =
          it != seqs.end() && std::any_of(it->second.begin(), it->second.end(), [&](const auto* n) {
            return n->kind == "critical" && n->at_ms >= d.from_ms
                   && n->at_ms < d.to_ms + rules.grace_ms;
          });
      if (!got) {
        r.findings.push_back(
            {d.from_ms, "alert-lost",
             fmt::format("{} {}: down from {:.1f} s to {:.1f} s ({:.1f} s) and no critical "
                         "arrived by {:.1f} s",
                         hook, d.check, static_cast<double>(d.from_ms) / 1000.0,
                         static_cast<double>(d.to_ms) / 1000.0,
                         static_cast<double>(d.to_ms - d.from_ms) / 1000.0,
                         static_cast<double>(d.to_ms + rules.grace_ms) / 1000.0)});
      }
    }
  }
  for (const auto& [key, seq] : seqs) {
    for (const auto* n : seq) {
      if (n->kind == "resolve") {
        continue;
      }
      const auto& ds = downs_of[n->check];
      const bool explained = std::any_of(ds.begin(), ds.end(), [&](const DownPeriod* d) {
        return n->at_ms >= d->from_ms && n->at_ms < d->to_ms + rules.grace_ms;
      });
      if (!explained) {
        r.findings.push_back(
            {n->at_ms, "alert-unexplained",
             fmt::format("{} {}: {} while its target was up (error: {}; from {}): a real "
                         "failed run on the loaded machine, or a spurious alert",
                         key.second, n->check, n->kind, n->error, n->member),
             false});
      }
    }
  }
  std::sort(r.findings.begin(), r.findings.end(),
            [](const Finding& a, const Finding& b) { return a.at_ms < b.at_ms; });
  return r;
}

}  // namespace ninevolt::bench

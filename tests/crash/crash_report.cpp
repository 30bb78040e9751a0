#include "tests/crash/crash_report.hpp"

#include <cstdio>
#include <map>

#include "smtp/text.hpp"

namespace odmr::test {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

struct Row {
    int trials = 0;
    int hits = 0;
    std::map<Phase, int> observed;
    int expected = 0;
    int copies = 0;
    int duplicated = 0;
    int lost = 0;
    int failures = 0;

    void add(const TrialRecord& record) {
        ++trials;
        if (record.observed.phase == record.plan.phase) ++hits;
        ++observed[record.observed.phase];
        expected += record.expected_copies;
        copies += record.tally.copies;
        duplicated += static_cast<int>(record.tally.duplicated.size());
        lost += static_cast<int>(record.tally.lost.size());
        if (!record.failure.empty()) ++failures;
    }
};

std::string format_row(const std::string& victim, const std::string& phase, const Row& row) {
    std::string observed;
    for (const auto& [phase_seen, count] : row.observed) {
        observed += concat(observed.empty() ? "" : ", ", phase_name(phase_seen), " ", count);
    }
    char line[256];
    std::snprintf(line, sizeof line, "%-17s %-17s %6d %5d %5d %7d %10d %5d %8d  ", victim.c_str(), phase.c_str(),
                  row.trials, row.hits, row.expected, row.copies, row.duplicated, row.lost, row.failures);
    return line + observed + "\n";
}

}  // namespace

bool duplicates_only_in_flight(const TrialRecord& record) {
    for (const auto& key : record.tally.duplicated) {
        if (record.in_flight.empty() || key.rfind(record.in_flight + " for ", 0) != 0) return false;
    }
    return true;
}

std::string CrashReport::trial_line(const TrialRecord& record) {
    std::string line = concat(describe(record.plan), "\n    observed=", phase_name(record.observed.phase),
                              " in transaction ", record.observed.transaction, " (", record.observed.detail, ")",
                              "\n    recipients=", record.expected_copies, " copies=", record.tally.copies,
                              " duplicated=", record.tally.duplicated.size(), " lost=", record.tally.lost.size(),
                              " in-flight=", record.in_flight.empty() ? "unknown" : record.in_flight);
    if (!record.tally.duplicated.empty()) line += concat(" [duplicated: ", join(record.tally.duplicated), "]");
    if (!record.tally.lost.empty()) line += concat(" [lost: ", join(record.tally.lost), "]");
    if (!record.tally.unexpected.empty()) line += concat(" [unexpected: ", join(record.tally.unexpected), "]");
    if (!record.failure.empty()) line += concat("\n    failure: ", record.failure);
    return line;
}

std::string CrashReport::summary() const {
    std::map<std::pair<Victim, Phase>, Row> rows;
    Row total;
    for (const auto& record : records_) {
        rows[{record.plan.victim, record.plan.phase}].add(record);
        total.add(record);
    }

    std::string text = concat("crash summary: ", protocol_, " seed=", seed_, " trials=", records_.size(), "\n");
    char header[256];
    std::snprintf(header, sizeof header, "%-17s %-17s %6s %5s %5s %7s %10s %5s %8s  %s\n", "victim", "aimed",
                  "trials", "hits", "held", "copies", "duplicated", "lost", "failures", "observed");
    text += header;
    for (const auto& [key, row] : rows) text += format_row(victim_name(key.first), phase_name(key.second), row);
    text += format_row("all", "", total);
    text += "hits: kills observed in the aimed phase. held: recipients of held mail. copies: what the customer's "
            "maildir received. duplicated, lost: recipients.\n";
    return text;
}

}  // namespace odmr::test

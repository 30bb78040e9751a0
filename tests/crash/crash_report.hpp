// What each crash trial aimed at, what it hit and what arrived, and the
// summary of a run per victim and aimed phase.
#pragma once

#include <string>
#include <vector>

#include "tests/crash/delivery_count.hpp"
#include "tests/crash/session_probe.hpp"
#include "tests/crash/trial_plan.hpp"

namespace odmr::test {

struct TrialRecord {
    TrialPlan plan;
    PhaseObservation observed;
    // The Message-ID of the last transaction the customer opened before
    // the kill: the one message that may arrive twice.
    std::string in_flight;
    int expected_copies = 0;  // held recipients
    CopyTally tally;
    std::string failure;  // what went wrong besides the count, or empty
};

// True when every duplicated copy is of the message in flight.
bool duplicates_only_in_flight(const TrialRecord& record);

class CrashReport {
public:
    CrashReport(std::string protocol, std::uint64_t seed) : protocol_(std::move(protocol)), seed_(seed) {}

    void add(const TrialRecord& record) { records_.push_back(record); }

    // One line per trial: the plan, the phase the kill hit, and the count.
    static std::string trial_line(const TrialRecord& record);

    // A table with one row per victim and aimed phase: trials, kills that
    // hit the aimed phase, the phases observed, held recipients, copies,
    // duplicated and lost recipients.
    std::string summary() const;

private:
    std::string protocol_;
    std::uint64_t seed_;
    std::vector<TrialRecord> records_;
};

}  // namespace odmr::test

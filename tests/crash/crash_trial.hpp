// One crash trial: hold mail at the provider, start a session, kill the
// victim at the planned phase, restart it, run a clean session, and count
// what the customer received. And the run of many trials that both crash
// tests share.
#pragma once

#include <vector>

#include "tests/crash/crash_report.hpp"
#include "tests/crash/crash_world.hpp"
#include "tests/crash/trial_plan.hpp"

namespace odmr::test {

TrialRecord run_trial(CrashWorld& world, const TrialPlan& plan);

// Runs the trials that ODMR_CRASH_SEED, ODMR_CRASH_TRIALS and
// ODMR_CRASH_FIRST ask for, each one checked with gtest expectations,
// and prints each trial and the summary. A trial whose clean session
// failed ends the run, because its mail would mix with the next trial's.
void run_crash_trials(CrashWorld::Setup setup, const std::vector<Victim>& victims, int default_trials);

}  // namespace odmr::test

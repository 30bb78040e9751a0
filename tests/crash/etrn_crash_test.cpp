// ETRN under crashes: odmrd or the customer's Postfix is killed with
// SIGKILL at a planned phase of the run that an ETRN on odmrd's ETRN port
// started, and after a clean run every held message has arrived at least
// once. Only the message in flight at the kill may arrive twice.
#include <gtest/gtest.h>

#include "tests/crash/crash_trial.hpp"

namespace odmr::test {
namespace {

// A few trials keep CI's share short; tools/crash-test runs the full set.
constexpr int default_trials = 4;

TEST(EtrnCrash, KilledRunsLoseNoMail) {
    run_crash_trials(CrashWorld::Setup::etrn, {Victim::odmrd, Victim::customer_postfix}, default_trials);
}

}  // namespace
}  // namespace odmr::test

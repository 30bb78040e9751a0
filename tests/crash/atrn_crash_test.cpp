// ATRN under crashes: odmrd, the customer's ODMR client (odmr-fetch or
// fetchmail) or the customer's Postfix is killed with SIGKILL at a planned
// phase of a session, and after a clean session every held message has
// arrived at least once. Only the message in flight at the kill may arrive
// twice.
#include <gtest/gtest.h>

#include "tests/crash/crash_trial.hpp"

namespace odmr::test {
namespace {

// A few trials keep CI's share short; tools/crash-test runs the full set.
constexpr int default_trials = 4;
constexpr int default_fetchmail_trials = 3;

TEST(AtrnCrash, OdmrFetchSessionsLoseNoMail) {
    run_crash_trials(CrashWorld::Setup::atrn_with_odmr_fetch,
                     {Victim::odmrd, Victim::odmr_fetch, Victim::customer_postfix}, default_trials);
}

TEST(AtrnCrash, FetchmailSessionsLoseNoMail) {
    run_crash_trials(CrashWorld::Setup::atrn_with_fetchmail,
                     {Victim::odmrd, Victim::fetchmail, Victim::customer_postfix}, default_fetchmail_trials);
}

}  // namespace
}  // namespace odmr::test

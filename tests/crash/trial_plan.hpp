// The plan of one crash trial: which process is killed, at which phase of
// which mail transaction, and the mail held for it. A plan depends only on
// the run's seed and the trial's number, so any trial can be run again by
// itself with the same seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace odmr::test {

enum class Victim { odmrd, odmr_fetch, fetchmail, customer_postfix };

// The phases of a delivery session a kill aims at. session_over is only
// ever observed: the session had ended when the kill came.
enum class Phase { before_data, mid_data, after_dot, between_messages, session_over };

std::string victim_name(Victim victim);
std::string phase_name(Phase phase);

struct TrialPlan {
    int number = 0;
    std::uint64_t seed = 0;  // the trial's own seed, drawn from the run's
    Victim victim = Victim::odmrd;
    Phase phase = Phase::before_data;
    int messages = 0;  // held messages, one mail transaction each
    int target = 0;    // the transaction (from 1) the kill aims at
    std::size_t body_size = 0;   // bytes of each message's body
    int two_recipient_message = 0;  // the message (from 1) with two recipients, or 0
    // before_data and after_dot: how long after the phase began the kill comes.
    std::chrono::milliseconds delay{0};
    // mid_data: the share of the message the customer has received at the kill.
    double fraction = 0;
};

// The run's seed, its number of trials and the number of its first trial,
// from ODMR_CRASH_SEED, ODMR_CRASH_TRIALS and ODMR_CRASH_FIRST.
struct CrashRunSettings {
    std::uint64_t seed = 1;
    int trials = 0;
    int first = 1;
};

// Reads the settings; default_trials applies when ODMR_CRASH_TRIALS is
// unset. Throws std::runtime_error naming a variable whose value is not a
// number.
CrashRunSettings crash_run_settings(int default_trials);

// Draws trial `number` of a run. The victims and phases take turns, so a
// run of victims.size() * 4 trials aims at every pair once. The seed
// decides where the turns start and everything else about the trial.
TrialPlan plan_trial(std::uint64_t run_seed, int number, const std::vector<Victim>& victims);

std::string describe(const TrialPlan& plan);

// Deterministic text of `size` bytes in lines of 76 characters and LF,
// the shape of base64 content, drawn from the seed.
std::string make_body(std::uint64_t seed, std::size_t size);

}  // namespace odmr::test

#include "tests/crash/crash_trial.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "smtp/text.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {

using namespace std::chrono_literals;

std::string setup_name(CrashWorld::Setup setup) {
    switch (setup) {
    case CrashWorld::Setup::atrn_with_odmr_fetch: return "ATRN with odmr-fetch";
    case CrashWorld::Setup::atrn_with_fetchmail: return "ATRN with fetchmail";
    case CrashWorld::Setup::etrn: return "ETRN";
    }
    return "unknown";
}

bool phase_reached(const SessionProbe& probe, const TrialPlan& plan) {
    const int started = probe.transactions_started();
    switch (plan.phase) {
    case Phase::before_data: return started >= plan.target;

    case Phase::mid_data: {
        if (started < plan.target) return false;
        // A queue file gone already means the aim was overshot; the kill
        // comes at once and the record shows the phase it hit.
        const auto bytes = probe.received_bytes(plan.target);
        return !bytes || static_cast<double>(*bytes) >= plan.fraction * static_cast<double>(probe.message_size());
    }

    case Phase::after_dot: return started >= plan.target && probe.holds_whole_message(plan.target);
    case Phase::between_messages: return probe.transactions_finished() >= plan.target;
    case Phase::session_over: return true;
    }
    return true;
}

// Polls the probe every millisecond, because the text of a few MB passes
// in tens of milliseconds, then kills the victim. Returns the phase seen
// just before the kill.
PhaseObservation aim_and_kill(CrashWorld& world, SessionProbe& probe, const TrialPlan& plan, std::string& failure) {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool reached = false;
    while (true) {
        probe.refresh();
        reached = phase_reached(probe, plan);
        if (reached || probe.session_ended() || world.session_process_ended()) break;
        if (std::chrono::steady_clock::now() > deadline) {
            failure = "the session did not reach the aimed phase within 120 s";
            break;
        }
        std::this_thread::sleep_for(1ms);
    }
    if (reached && plan.delay.count() > 0) std::this_thread::sleep_for(plan.delay);

    probe.refresh();
    PhaseObservation observed = probe.observe();
    if (world.session_process_ended()) observed.phase = Phase::session_over;
    if (!world.is_running(plan.victim)) {
        observed.detail += concat("; ", victim_name(plan.victim), " was not running");
    }
    world.kill(plan.victim);
    return observed;
}

std::vector<std::string> expected_keys(const std::vector<HeldMail>& held) {
    std::vector<std::string> keys;
    for (const auto& mail : held) {
        for (const auto& recipient : mail.recipients) keys.push_back(copy_key(mail.message_id, recipient));
    }
    return keys;
}

void check_trial(const TrialRecord& record) {
    const std::string trial = CrashReport::trial_line(record);
    EXPECT_TRUE(record.failure.empty()) << trial;
    EXPECT_NE(record.observed.phase, Phase::session_over) << "the kill came after the session ended\n" << trial;
    EXPECT_TRUE(record.tally.lost.empty()) << "held mail was lost\n" << trial;
    EXPECT_TRUE(record.tally.unexpected.empty()) << "the customer received mail nobody sent in this trial\n" << trial;
    EXPECT_LE(record.tally.max_copies, 2) << "a message arrived more than twice\n" << trial;
    EXPECT_TRUE(duplicates_only_in_flight(record)) << "a message that was not in flight arrived twice\n" << trial;
}

}  // namespace

TrialRecord run_trial(CrashWorld& world, const TrialPlan& plan) {
    TrialRecord record;
    record.plan = plan;

    const std::vector<HeldMail> held = world.hold_messages(plan);
    const std::vector<std::string> keys = expected_keys(held);
    record.expected_copies = static_cast<int>(keys.size());
    std::size_t message_size = 0;
    for (const auto& mail : held) message_size = std::max(message_size, mail.size);

    SessionProbe probe = world.make_probe(message_size);
    world.start_session();
    record.observed = aim_and_kill(world, probe, plan, record.failure);

    const std::string settled = world.wait_until_settled();
    if (!settled.empty() && record.failure.empty()) record.failure = settled;
    probe.refresh();
    record.in_flight = probe.last_message_id();

    world.restart(plan.victim);
    const std::string clean = world.run_clean_session();
    if (!clean.empty() && record.failure.empty()) record.failure = clean;

    record.tally = tally_copies(keys, count_copies(world.maildir()));
    move_copies(world.maildir(), concat(world.directory(), "/counted/trial-", plan.number));
    return record;
}

void run_crash_trials(CrashWorld::Setup setup, const std::vector<Victim>& victims, int default_trials) {
    const CrashRunSettings settings = crash_run_settings(default_trials);
    const std::string name = setup_name(setup);
    std::cout << name << " crash run: ODMR_CRASH_SEED=" << settings.seed << " ODMR_CRASH_FIRST=" << settings.first
              << " ODMR_CRASH_TRIALS=" << settings.trials << std::endl;

    TempDirectory directory(setup == CrashWorld::Setup::etrn ? "odmr-crash-etrn" : "odmr-crash-atrn");
    CrashWorld world(directory.path(), setup);
    world.start();

    CrashReport report(name, settings.seed);
    for (int number = settings.first; number < settings.first + settings.trials; ++number) {
        const TrialPlan plan = plan_trial(settings.seed, number, victims);
        const TrialRecord record = run_trial(world, plan);
        std::cout << CrashReport::trial_line(record) << std::endl;
        check_trial(record);
        report.add(record);

        if (!record.failure.empty()) {
            ADD_FAILURE() << "the run stops after trial " << number << "\n" << world.diagnostics();
            break;
        }
    }
    std::cout << report.summary() << std::flush;
}

}  // namespace odmr::test

#include "tests/crash/trial_plan.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "smtp/text.hpp"

namespace odmr::test {

namespace {

constexpr Phase aimed_phases[] = {Phase::before_data, Phase::mid_data, Phase::after_dot, Phase::between_messages};
constexpr int aimed_phase_count = 4;

// SplitMix64's output function: spreads nearby inputs (trial numbers)
// over unrelated seeds.
std::uint64_t mix(std::uint64_t value) {
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

// A number in [low, high]. std::uniform_int_distribution differs between
// standard libraries, and mt19937_64's output does not, so the remainder
// keeps a seed's trials the same everywhere.
std::uint64_t draw(std::mt19937_64& engine, std::uint64_t low, std::uint64_t high) {
    return low + engine() % (high - low + 1);
}

std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;

    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0' || text[0] == '-') {
        throw std::runtime_error(concat(name, "='", text, "' is not a number; set it to a whole number such as 50"));
    }
    return value;
}

}  // namespace

std::string victim_name(Victim victim) {
    switch (victim) {
    case Victim::odmrd: return "odmrd";
    case Victim::odmr_fetch: return "odmr-fetch";
    case Victim::fetchmail: return "fetchmail";
    case Victim::customer_postfix: return "customer-postfix";
    }
    return "unknown";
}

std::string phase_name(Phase phase) {
    switch (phase) {
    case Phase::before_data: return "before-data";
    case Phase::mid_data: return "mid-data";
    case Phase::after_dot: return "after-dot";
    case Phase::between_messages: return "between-messages";
    case Phase::session_over: return "session-over";
    }
    return "unknown";
}

CrashRunSettings crash_run_settings(int default_trials) {
    CrashRunSettings settings;
    settings.seed = environment_number("ODMR_CRASH_SEED", 1);
    const auto trials = environment_number("ODMR_CRASH_TRIALS", static_cast<std::uint64_t>(default_trials));
    settings.trials = static_cast<int>(trials);
    settings.first = static_cast<int>(environment_number("ODMR_CRASH_FIRST", 1));
    if (settings.first < 1) {
        throw std::runtime_error(concat("ODMR_CRASH_FIRST=", settings.first, " is invalid; trials are numbered from 1"));
    }
    return settings;
}

TrialPlan plan_trial(std::uint64_t run_seed, int number, const std::vector<Victim>& victims) {
    TrialPlan plan;
    plan.number = number;
    plan.seed = mix(run_seed ^ mix(static_cast<std::uint64_t>(number)));
    std::mt19937_64 engine(plan.seed);

    // Victims change from one trial to the next, phases after each round
    // of victims.
    const std::uint64_t pairs = victims.size() * aimed_phase_count;
    const std::uint64_t turn = (mix(run_seed) + static_cast<std::uint64_t>(number - 1)) % pairs;
    plan.victim = victims[turn % victims.size()];
    plan.phase = aimed_phases[turn / victims.size()];

    plan.messages = static_cast<int>(draw(engine, 3, 4));
    // Between messages needs a message after the target.
    const int last_target = plan.phase == Phase::between_messages ? plan.messages - 1 : plan.messages;
    plan.target = static_cast<int>(draw(engine, 1, static_cast<std::uint64_t>(last_target)));
    plan.two_recipient_message = static_cast<int>(draw(engine, 0, static_cast<std::uint64_t>(plan.messages)));

    // Bodies of a few MB keep the text in flight for tens of milliseconds
    // on loopback. The other phases need less, but enough that the size of
    // a nearly complete queue file distinguishes the end of data from the
    // middle.
    if (plan.phase == Phase::mid_data) {
        plan.body_size = draw(engine, 1024, 3072) * 1024;
        plan.fraction = static_cast<double>(draw(engine, 5, 80)) / 100.0;
    } else {
        plan.body_size = draw(engine, 256, 512) * 1024;
    }

    // The customer delays its reply to DATA and to the final dot by a
    // second (the sleep restrictions), so these delays end inside.
    if (plan.phase == Phase::before_data) plan.delay = std::chrono::milliseconds(draw(engine, 0, 600));
    if (plan.phase == Phase::after_dot) plan.delay = std::chrono::milliseconds(draw(engine, 50, 600));
    return plan;
}

std::string describe(const TrialPlan& plan) {
    std::string text = concat("trial ", plan.number, " seed=", plan.seed, " victim=", victim_name(plan.victim),
                              " aimed=", phase_name(plan.phase), " of transaction ", plan.target, "/", plan.messages,
                              " body=", plan.body_size, " bytes");
    if (plan.phase == Phase::mid_data) text += concat(" at ", static_cast<int>(plan.fraction * 100), "%");
    if (plan.delay.count() > 0) text += concat(" delay=", plan.delay.count(), "ms");
    if (plan.two_recipient_message > 0) text += concat(" two-recipient message ", plan.two_recipient_message);
    return text;
}

std::string make_body(std::uint64_t seed, std::size_t size) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::mt19937_64 engine(seed);
    std::string body;
    body.reserve(size);
    while (body.size() < size) {
        const std::size_t line = std::min<std::size_t>(76, size - body.size() - 1);
        for (std::size_t i = 0; i < line; ++i) body += alphabet[engine() % 64];
        body += '\n';
    }
    return body;
}

}  // namespace odmr::test

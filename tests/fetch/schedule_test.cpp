// Schedules of download jobs, and when a job runs again after a success or
// a failure.
#include <gtest/gtest.h>

#include <ctime>
#include <regex>

#include "shim/job_parameters.hpp"
#include "shim/schedule.hpp"
#include "shim/scheduler.hpp"

namespace odmr {
namespace {

using namespace std::chrono_literals;

WallClock::time_point local_time(int year, int month, int day, int hour, int minute) {
    std::tm local{};
    local.tm_year = year - 1900;
    local.tm_mon = month - 1;
    local.tm_mday = day;
    local.tm_hour = hour;
    local.tm_min = minute;
    local.tm_isdst = -1;
    return WallClock::from_time_t(std::mktime(&local));
}

TEST(Schedule, LocalIsoTime) {
    // The offset depends on the test machine's time zone, so only its form is checked.
    const std::string text = local_iso_time(local_time(2025, 6, 1, 6, 0) + 7s);
    EXPECT_EQ(text.substr(0, 19), "2025-06-01T06:00:07") << text;
    EXPECT_TRUE(std::regex_match(text.substr(19), std::regex("[+-][0-9]{2}:[0-9]{2}"))) << text;
}

TEST(Schedule, EveryWithUnits) {
    EXPECT_EQ(parse_schedule("every=15m").interval, Seconds(900));
    EXPECT_EQ(parse_schedule("every=90s").interval, Seconds(90));
    EXPECT_EQ(parse_schedule("every=2h").interval, Seconds(7200));
    EXPECT_EQ(parse_schedule("every=30").interval, Seconds(1800));
    EXPECT_EQ(describe_schedule(parse_schedule("every=90s")), "every 90s");
    EXPECT_EQ(describe_schedule(parse_schedule("every=120m")), "every 2h");
}

TEST(Schedule, TimesOfDaySortedAndUnique) {
    const Schedule schedule = parse_schedule("at=18:30,06:00,18:30");
    EXPECT_EQ(schedule.kind, Schedule::Kind::at);
    EXPECT_EQ(schedule.minutes_of_day, (std::vector<int>{360, 1110}));
    EXPECT_EQ(describe_schedule(schedule), "at 06:00,18:30");
}

TEST(Schedule, OnDemandHasNoRun) {
    const Schedule schedule = parse_schedule("on-demand");
    EXPECT_EQ(schedule.kind, Schedule::Kind::on_demand);
    EXPECT_FALSE(next_regular_run(schedule, WallClock::now()));
}

TEST(Schedule, BadForms) {
    for (const char* text : {"every=0m", "every=-5", "every=8d", "every=99999999h", "every=", "hourly", "at=24:00",
                             "at=6:7", "at=06:60", "at=", "at=06:00,,07:00"}) {
        EXPECT_THROW(parse_schedule(text), ParameterError) << text;
    }
}

TEST(Schedule, BadFormMessage) {
    try {
        parse_schedule("hourly");
        FAIL();
    } catch (const ParameterError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "invalid schedule 'hourly'; write every=15m (a number with s, m or h; minutes without), "
                  "at=06:00,18:30 or on-demand");
    }
}

TEST(Schedule, NextTimeOfDayToday) {
    const Schedule schedule = parse_schedule("at=06:00,18:30");
    EXPECT_EQ(next_regular_run(schedule, local_time(2026, 3, 10, 7, 0)), local_time(2026, 3, 10, 18, 30));
    EXPECT_EQ(next_regular_run(schedule, local_time(2026, 3, 10, 5, 59)), local_time(2026, 3, 10, 6, 0));
}

TEST(Schedule, NextTimeOfDayTomorrow) {
    const Schedule schedule = parse_schedule("at=06:00,18:30");
    EXPECT_EQ(next_regular_run(schedule, local_time(2026, 3, 10, 18, 30)), local_time(2026, 3, 11, 6, 0));
    EXPECT_EQ(next_regular_run(schedule, local_time(2026, 12, 31, 23, 0)), local_time(2027, 1, 1, 6, 0));
}

TEST(Backoff, DoublesUpToTheLimit) {
    const RetryPolicy policy{60s, 3600s, 30s};
    EXPECT_EQ(backoff_delay(0, policy), 0s);
    EXPECT_EQ(backoff_delay(1, policy), 60s);
    EXPECT_EQ(backoff_delay(2, policy), 120s);
    EXPECT_EQ(backoff_delay(6, policy), 1920s);
    EXPECT_EQ(backoff_delay(7, policy), 3600s);
    EXPECT_EQ(backoff_delay(1000, policy), 3600s);
}

TEST(Backoff, JitterIsATenthOfShortIntervals) {
    const RetryPolicy policy{60s, 3600s, 30s};
    EXPECT_EQ(jitter_limit(parse_schedule("every=60s"), policy), 6s);
    EXPECT_EQ(jitter_limit(parse_schedule("every=1h"), policy), 30s);
    EXPECT_EQ(jitter_limit(parse_schedule("at=06:00"), policy), 30s);
}

TEST(NextRun, IntervalAfterSuccess) {
    const RetryPolicy policy{60s, 3600s, 0s};
    const auto start = WallClock::now();
    const Schedule schedule = parse_schedule("every=15m");
    EXPECT_EQ(next_run_after(schedule, JobOutcome::success, 0, start, start + 10s, policy), start + 15min);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::success, 0, start, start + 20min, policy), start + 20min);
}

TEST(NextRun, IntervalFailuresBackOffBeyondTheInterval) {
    const RetryPolicy policy{60s, 3600s, 0s};
    const auto start = WallClock::now();
    const auto end = start + 1s;
    const Schedule schedule = parse_schedule("every=15m");
    EXPECT_EQ(next_run_after(schedule, JobOutcome::transient_failure, 1, start, end, policy), end + 15min);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::transient_failure, 5, start, end, policy), end + 16min);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::permanent_failure, 9, start, end, policy), end + 60min);
}

TEST(NextRun, TimeOfDayRetriesSoonerAfterTemporaryFailure) {
    const RetryPolicy policy{60s, 3600s, 0s};
    const Schedule schedule = parse_schedule("at=06:00");
    const auto end = local_time(2026, 3, 10, 6, 1);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::transient_failure, 1, end, end, policy), end + 60s);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::transient_failure, 3, end, end, policy), end + 240s);
    EXPECT_EQ(next_run_after(schedule, JobOutcome::permanent_failure, 1, end, end, policy), local_time(2026, 3, 11, 6, 0));
    EXPECT_EQ(next_run_after(schedule, JobOutcome::success, 0, end, end, policy), local_time(2026, 3, 11, 6, 0));
}

TEST(NextRun, OnDemandNever) {
    const RetryPolicy policy{60s, 3600s, 0s};
    const auto now = WallClock::now();
    EXPECT_FALSE(next_run_after(parse_schedule("on-demand"), JobOutcome::transient_failure, 1, now, now, policy));
}

}  // namespace
}  // namespace odmr

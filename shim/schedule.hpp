// When a download job runs: every N minutes (or seconds, or hours), at
// given times of day in local time, or only on demand (odmr-fetch --once).
//
//   every=15m   every=90s   every=2h   every=30 (minutes)
//   at=06:00,18:30
//   on-demand
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/deadline.hpp"

namespace odmr {

using WallClock = std::chrono::system_clock;

struct Schedule {
    enum class Kind { every, at, on_demand };

    Kind kind = Kind::on_demand;
    Seconds interval{0};                // for every
    std::vector<int> minutes_of_day;    // for at: minutes after local midnight, sorted, unique
};

// Parses a schedule. Throws ParameterError with the accepted forms.
Schedule parse_schedule(std::string_view text);

// "every 15m", "at 06:00,18:30" or "on-demand".
std::string describe_schedule(const Schedule& schedule);

// The first regular run after `after`: `after` plus the interval, or the
// next listed time of day. Nothing for on-demand jobs.
std::optional<WallClock::time_point> next_regular_run(const Schedule& schedule, WallClock::time_point after);

// The time in local time, ISO 8601 with the offset:
// "2025-06-01T06:00:07+02:00".
std::string local_iso_time(WallClock::time_point time);

}  // namespace odmr

#include "shim/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "shim/job_parameters.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

constexpr std::string_view forms = "write every=15m (a number with s, m or h; minutes without), at=06:00,18:30 or on-demand";

std::optional<long long> parse_number(std::string_view text) {
    long long value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

Seconds parse_interval(std::string_view text, std::string_view whole) {
    long long unit = 60;
    if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
        unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
        text.remove_suffix(1);
    }

    // The number is bounded before the multiplication, so it cannot overflow.
    constexpr long long week = 7 * 24 * 3600;
    const auto number = parse_number(text);
    if (!number || *number <= 0 || *number > week || *number * unit > week) {
        throw ParameterError(concat("invalid schedule '", printable(whole, 60),
                                    "': the interval must be above 0 and at most a week; ", forms));
    }
    const long long seconds = *number * unit;
    return Seconds(seconds);
}

int parse_time_of_day(std::string_view text, std::string_view whole) {
    const auto colon = text.find(':');
    const auto hours = colon == std::string_view::npos ? std::nullopt : parse_number(text.substr(0, colon));
    const auto minutes = colon == std::string_view::npos ? std::nullopt : parse_number(text.substr(colon + 1));
    if (!hours || !minutes || text.substr(colon + 1).size() != 2 || *hours < 0 || *hours > 23 || *minutes < 0 ||
        *minutes > 59) {
        throw ParameterError(concat("invalid time of day '", printable(text, 20), "' in schedule '", printable(whole, 60),
                                    "'; write 24-hour times such as at=06:00,18:30"));
    }
    return static_cast<int>(*hours * 60 + *minutes);
}

std::string format_time_of_day(int minutes) {
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", (minutes / 60) % 24, minutes % 60);
    return text;
}

std::string format_interval(Seconds interval) {
    const auto seconds = interval.count();
    if (seconds % 3600 == 0) return concat(seconds / 3600, "h");
    if (seconds % 60 == 0) return concat(seconds / 60, "m");
    return concat(seconds, "s");
}

// The wall-clock time of a local time of day on the day `day` (local time)
// lies in, moved by `days_later`; mktime settles daylight saving time.
WallClock::time_point local_time_on(std::time_t day, int days_later, int minutes_of_day) {
    std::tm local{};
    localtime_r(&day, &local);
    local.tm_mday += days_later;
    local.tm_hour = minutes_of_day / 60;
    local.tm_min = minutes_of_day % 60;
    local.tm_sec = 0;
    local.tm_isdst = -1;
    return WallClock::from_time_t(std::mktime(&local));
}

}  // namespace

Schedule parse_schedule(std::string_view text) {
    text = trim(text);
    Schedule schedule;
    if (text == "on-demand") return schedule;

    if (istarts_with(text, "every=")) {
        schedule.kind = Schedule::Kind::every;
        schedule.interval = parse_interval(text.substr(6), text);
        return schedule;
    }

    if (istarts_with(text, "at=")) {
        schedule.kind = Schedule::Kind::at;
        for (const auto part : split(text.substr(3), ',')) {
            schedule.minutes_of_day.push_back(parse_time_of_day(trim(part), text));
        }
        std::sort(schedule.minutes_of_day.begin(), schedule.minutes_of_day.end());
        schedule.minutes_of_day.erase(std::unique(schedule.minutes_of_day.begin(), schedule.minutes_of_day.end()),
                                      schedule.minutes_of_day.end());
        return schedule;
    }

    throw ParameterError(concat("invalid schedule '", printable(text, 60), "'; ", forms));
}

std::string describe_schedule(const Schedule& schedule) {
    switch (schedule.kind) {
    case Schedule::Kind::every:
        return concat("every ", format_interval(schedule.interval));
    case Schedule::Kind::at: {
        std::string times;
        for (const int minutes : schedule.minutes_of_day) times += (times.empty() ? "" : ",") + format_time_of_day(minutes);
        return concat("at ", times);
    }
    case Schedule::Kind::on_demand:
        break;
    }
    return "on-demand";
}

std::optional<WallClock::time_point> next_regular_run(const Schedule& schedule, WallClock::time_point after) {
    if (schedule.kind == Schedule::Kind::on_demand) return std::nullopt;
    if (schedule.kind == Schedule::Kind::every) return after + schedule.interval;

    const std::time_t day = WallClock::to_time_t(after);
    for (int days_later = 0; days_later <= 2; ++days_later) {
        for (const int minutes : schedule.minutes_of_day) {
            const auto candidate = local_time_on(day, days_later, minutes);
            if (candidate > after) return candidate;
        }
    }
    return std::nullopt;
}

std::string local_iso_time(WallClock::time_point time) {
    const std::time_t seconds = WallClock::to_time_t(time);
    std::tm local{};
    localtime_r(&seconds, &local);

    // strftime writes the offset as +0200, but ISO 8601 with separators
    // writes +02:00.
    char text[40];
    if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", &local) == 0) return "?";
    std::string result(text);
    if (result.size() >= 5) result.insert(result.size() - 2, ":");
    return result;
}

}  // namespace odmr

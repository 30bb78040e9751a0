// Fuzzes the strings an odmr-fetch admin writes for one job: the ETRN and
// ATRN parameter strings, the schedule, and a "name=value" job option.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shim/job_options.hpp"
#include "shim/job_parameters.hpp"
#include "shim/schedule.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

// The text with every letter and digit moved to the next one of its kind,
// so it stays valid or invalid for the same reasons.
std::string shifted(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        if (c >= 'a' && c <= 'z') c = c == 'z' ? 'a' : static_cast<char>(c + 1);
        else if (c >= 'A' && c <= 'Z') c = c == 'Z' ? 'A' : static_cast<char>(c + 1);
        else if (c >= '0' && c <= '9') c = c == '9' ? '0' : static_cast<char>(c + 1);
    }
    return result;
}

// The error message of parse for input, or "" when it parses.
template <typename Parse>
std::string parameter_error(Parse parse, std::string_view input) {
    try {
        parse(input);
    } catch (const ParameterError& error) {
        return error.what();
    }
    return {};
}

// Requires that the error for input does not show the password at
// [offset, offset + size): the same input with another password there
// must give the same error.
template <typename Parse>
void require_error_hides(Parse parse, std::string_view input, std::size_t offset, std::size_t size,
                         const char* message) {
    std::string other(input);
    other.replace(offset, size, shifted(input.substr(offset, size)));
    require(parameter_error(parse, other) == parameter_error(parse, input), message);
}

void check_etrn(std::string_view input) {
    std::vector<EtrnCommand> commands;
    try {
        commands = parse_etrn_parameters(input);
    } catch (const ParameterError&) {
        // Every word after a node may be a password. The words are found
        // the way the parser finds them, trimmed line and parts.
        for (const auto part : split(trim(input), ';')) {
            const auto words = split_words(trim(part));
            for (std::size_t i = 1; i < words.size(); ++i) {
                const auto offset = static_cast<std::size_t>(words[i].data() - input.data());
                require_error_hides(parse_etrn_parameters, input, offset, words[i].size(),
                                    "an ETRN parameter error shows a password");
            }
        }
        return;
    }

    require(!commands.empty(), "an ETRN string without commands was accepted");
    std::vector<EtrnCommand> others = commands;
    for (auto& command : others) command.password = shifted(command.password);
    require(masked_etrn_parameters(others) == masked_etrn_parameters(commands),
            "masked_etrn_parameters shows a password");

    for (std::size_t i = 0; i < commands.size(); ++i) {
        require(!commands[i].node.empty(), "an empty ETRN node was accepted");
        require(commands[i].password.find_first_of(" \t") == std::string::npos, "an ETRN password with a space");
        require(masked_etrn_command_line(others[i]) == masked_etrn_command_line(commands[i]),
                "masked_etrn_command_line shows a password");
        const std::string line = etrn_command_line(commands[i]);
        require(line.find_first_of("\r\n") == std::string::npos, "an ETRN command line contains a line break");
    }
}

void check_atrn(std::string_view input) {
    AtrnCredentials credentials;
    try {
        credentials = parse_atrn_parameters(input);
    } catch (const ParameterError&) {
        // The password is what follows the first ':' after the first ';'.
        const auto semicolon = input.find(';');
        const auto colon = semicolon == std::string_view::npos ? semicolon : input.find(':', semicolon);
        if (colon != std::string_view::npos) {
            require_error_hides(parse_atrn_parameters, input, colon + 1, input.size() - colon - 1,
                                "an ATRN parameter error shows the password");
        }
        return;
    }

    require(!credentials.domains.empty(), "an ATRN string without domains was accepted");
    require(!credentials.login.empty(), "an ATRN string without a login was accepted");
    require(!credentials.password.empty(), "an ATRN string without a password was accepted");
    AtrnCredentials other = credentials;
    other.password = shifted(credentials.password);
    require(masked_atrn_parameters(other) == masked_atrn_parameters(credentials),
            "masked_atrn_parameters shows the password");
}

void check_schedule(std::string_view input) {
    Schedule schedule;
    try {
        schedule = parse_schedule(input);
    } catch (const ParameterError&) {
        return;
    }

    // "every 15m" and "at 06:00" read back with '=' for the space.
    std::string described = describe_schedule(schedule);
    const auto space = described.find(' ');
    if (space != std::string::npos) described[space] = '=';
    const Schedule again = parse_schedule(described);
    require(again.kind == schedule.kind, "describe_schedule changed the kind of schedule");
    require(again.interval == schedule.interval, "describe_schedule changed the interval");
    require(again.minutes_of_day == schedule.minutes_of_day, "describe_schedule changed the times of day");

    const auto now = WallClock::now();
    const auto next = next_regular_run(schedule, now);
    require(next.has_value() == (schedule.kind != Schedule::Kind::on_demand), "a regular schedule has no next run");
    if (next) require(*next > now, "the next run is not after now");
}

void check_option(std::string_view input) {
    const auto equals = input.find('=');
    if (equals == std::string_view::npos) return;
    JobOptions options;
    try {
        apply_job_option(options, input.substr(0, equals), input.substr(equals + 1));
        describe_job_options(options);
    } catch (const ParameterError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_etrn(input);
    check_atrn(input);
    check_schedule(input);
    check_option(input);
    return 0;
}

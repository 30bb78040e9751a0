#include "smtp/capabilities.hpp"

#include <algorithm>
#include <charconv>

#include "smtp/text.hpp"

namespace odmr {

Capabilities Capabilities::from_ehlo_reply(const Reply& reply) {
    Capabilities capabilities;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string_view line = trim(reply.lines[i]);
        const auto space = line.find(' ');
        const auto keyword = line.substr(0, space);
        if (keyword.empty()) continue;

        // Old servers announce "AUTH=LOGIN PLAIN" beside "AUTH LOGIN PLAIN".
        if (istarts_with(keyword, "AUTH=")) {
            capabilities.add("AUTH", trim(line.substr(5)));
            continue;
        }
        capabilities.add(keyword, space == std::string_view::npos ? std::string_view() : trim(line.substr(space + 1)));
    }
    return capabilities;
}

void Capabilities::add(std::string_view keyword, std::string_view parameters) {
    auto& existing = keywords_[to_upper(keyword)];
    if (existing.empty()) {
        existing = std::string(parameters);
    } else if (!parameters.empty()) {
        existing += ' ';
        existing += parameters;
    }
}

bool Capabilities::has(std::string_view keyword) const {
    return keywords_.count(to_upper(keyword)) > 0;
}

std::string Capabilities::parameters(std::string_view keyword) const {
    const auto found = keywords_.find(to_upper(keyword));
    return found == keywords_.end() ? std::string() : found->second;
}

std::optional<std::uint64_t> Capabilities::size_limit() const {
    const auto found = keywords_.find("SIZE");
    if (found == keywords_.end()) return std::nullopt;

    std::uint64_t limit = 0;
    const auto& text = found->second;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (result.ec != std::errc()) return 0;
    return limit;
}

std::vector<std::string> Capabilities::auth_mechanisms() const {
    // The words point into this string, so it must outlive the loop.
    const std::string listed = parameters("AUTH");
    std::vector<std::string> mechanisms;
    for (auto word : split_words(listed)) {
        // A server listing both "AUTH" and "AUTH=" names each mechanism twice.
        std::string mechanism = to_upper(word);
        if (std::find(mechanisms.begin(), mechanisms.end(), mechanism) == mechanisms.end()) {
            mechanisms.push_back(std::move(mechanism));
        }
    }
    return mechanisms;
}

}  // namespace odmr

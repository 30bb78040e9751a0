#include "plugin/odmrd/atrn_request.hpp"

#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::optional<std::set<std::string>> parse_atrn_domains(std::string_view argument, std::string& bad) {
    std::set<std::string> domains;
    for (auto part : split(argument, ',')) {
        const auto domain = normalize_domain(trim(part));
        if (!domain) {
            bad = printable(trim(part), 100);
            return std::nullopt;
        }
        domains.insert(*domain);
    }
    return domains;
}

}  // namespace odmr

// The argument of ATRN (RFC 2645): "domain *("," domain)". Domains are
// compared in lower case, and a space after a comma is tolerated.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace odmr {

// Parses the domain list. Returns nothing and sets bad to the offending
// part, escaped for a reply, when one is not a domain name.
std::optional<std::set<std::string>> parse_atrn_domains(std::string_view argument, std::string& bad);

}  // namespace odmr

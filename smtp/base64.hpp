// Base64 (RFC 4648) as SASL uses it on the SMTP command line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

std::string base64_encode(std::string_view data);

// Decodes strict base64: the standard alphabet, padding required, no white
// space. Returns nothing for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace odmr

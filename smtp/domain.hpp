// Domain names and mailbox addresses as they arrive from the network or an
// admin's table. Everything that later becomes a file name, a table key or a
// log field goes through these checks first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

// Returns the domain in lower case when text is a host name: labels of
// letters, digits and hyphens, 1 to 63 characters each, not starting or
// ending with a hyphen, at most 253 characters in all. A single trailing dot
// is dropped. Returns nothing for anything else.
std::optional<std::string> normalize_domain(std::string_view text);

// True for "[192.0.2.7]" and "[IPv6:2001:db8::7]" with a valid address.
bool is_address_literal(std::string_view text);

// The lower-case domain part of a mailbox ("" when there is no '@').
std::string domain_of(std::string_view address);

// True when domain equals parent or lies below it, by whole labels:
// "mx.example.com" is below "example.com", "badexample.com" is not.
bool is_same_or_subdomain(std::string_view domain, std::string_view parent);

}  // namespace odmr

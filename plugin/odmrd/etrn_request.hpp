// The argument of ETRN (RFC 1985): "example.com" releases one domain,
// "@example.com" the domain and its subdomains, "#name" a named queue. The
// field extension "example.com secret" adds a password. The argument is
// checked here, before anything else sees it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

struct EtrnRequest {
    enum class Kind { domain, domain_and_subdomains, queue_name };
    Kind kind = Kind::domain;
    std::string node;                     // lower-case domain, address literal, or queue name
    std::optional<std::string> password;  // never logged
};

// Parses the argument. On failure returns nothing and sets error to the
// text of a 501 reply, which never repeats the client's bytes unescaped.
std::optional<EtrnRequest> parse_etrn_argument(std::string_view argument, std::string& error);

// The node as ETRN names it, for replies and logs: "@example.com".
std::string describe_node(const EtrnRequest& request);

}  // namespace odmr

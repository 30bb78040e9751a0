// The parameter strings of download jobs, written the way administrators of
// other mail servers write them:
//
//   ETRN  "example.com secret;example.org"   one ETRN command per ';', each a
//                                            domain and an optional password
//   ATRN  "example.com,example.net;login:password"
//
// A password of "*" stands for the entry in the passwords file, which is the
// way to give a password that the string cannot hold (spaces, ':' or ';').
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace odmr {

// A parameter string that cannot be parsed. The message names the fault and
// the fix, and never contains a password.
class ParameterError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// The password written as "*": take it from the passwords file.
constexpr std::string_view password_from_file = "*";

struct EtrnCommand {
    std::string node;      // "example.com", "@example.com" (subdomains too) or "#queue", RFC 1985
    std::string password;  // empty when none; "*" for the passwords file
};

struct AtrnCredentials {
    std::vector<std::string> domains;  // lower case, in the order written
    std::string login;
    std::string password;  // "*" for the passwords file
};

// Parse the ETRN form. Throws ParameterError.
std::vector<EtrnCommand> parse_etrn_parameters(std::string_view text);

// Parse the ATRN form. Throws ParameterError.
AtrnCredentials parse_atrn_parameters(std::string_view text);

// The parameter string as --check-config and logs show it: every password
// replaced by "********".
std::string masked_etrn_parameters(const std::vector<EtrnCommand>& commands);
std::string masked_atrn_parameters(const AtrnCredentials& credentials);

// The ETRN command line for a node, and the same line with the password
// masked for a log.
std::string etrn_command_line(const EtrnCommand& command);
std::string masked_etrn_command_line(const EtrnCommand& command);

}  // namespace odmr

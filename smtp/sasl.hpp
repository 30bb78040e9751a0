// SASL mechanisms used on the SMTP command line (RFC 4954): PLAIN
// (RFC 4616), LOGIN, and CRAM-MD5 (RFC 2195), which RFC 2645 requires for
// ATRN. These functions only encode and decode; the sessions do the I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

struct SaslLogin {
    std::string login;
    std::string password;
};

// Decodes the PLAIN message "authzid NUL authcid NUL password" (already
// base64-decoded). An authorization identity other than the login itself
// is rejected, because odmr has no proxy logins.
std::optional<SaslLogin> decode_sasl_plain(std::string_view message);

// A fresh CRAM-MD5 challenge: "<random.time@hostname>".
std::string make_cram_md5_challenge(std::string_view hostname);

struct CramMd5Response {
    std::string login;
    std::string digest;  // lower-case hex
};

// Splits the client's decoded answer "login digest" at its last space.
std::optional<CramMd5Response> parse_cram_md5_response(std::string_view message);

// Client side: the decoded answer to a challenge.
std::string cram_md5_client_answer(std::string_view login, std::string_view password, std::string_view challenge);

// Client side: the decoded PLAIN message.
std::string sasl_plain_client_message(std::string_view login, std::string_view password);

// The longest AUTH line odmr reads: RFC 4954 section 4 allows 12288 octets.
constexpr std::size_t max_sasl_line_length = 12288;

}  // namespace odmr

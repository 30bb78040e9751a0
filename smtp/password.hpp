// Stored passwords with a scheme prefix, in the form of Dovecot's
// passwd-file: "{PLAIN}secret", "{CRAM-MD5}<64 hex digits>",
// "{SHA512-CRYPT}$6$...", "{SHA256-CRYPT}$5$...", "{BLF-CRYPT}$2b$...",
// "{SSHA256}<base64>", "{SSHA512}<base64>".
//
// Which SASL mechanisms a scheme allows:
//   PLAIN     CRAM-MD5, PLAIN, LOGIN (the secret itself is stored)
//   CRAM-MD5  CRAM-MD5, PLAIN, LOGIN (the HMAC-MD5 inner and outer state,
//             which works like the secret for CRAM-MD5 but does not reveal
//             it; the format of `doveadm pw -s CRAM-MD5`)
//   the rest  PLAIN and LOGIN only: a one-way hash cannot answer a
//             CRAM-MD5 challenge.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

class StoredPassword {
public:
    enum class Scheme { plain, cram_md5, crypt, salted_sha256, salted_sha512 };

    // Parses "{SCHEME}value". On failure returns nothing and sets error to a
    // sentence naming the problem (never the secret).
    static std::optional<StoredPassword> parse(std::string_view text, std::string& error);

    Scheme scheme() const { return scheme_; }
    const std::string& scheme_name() const { return scheme_name_; }

    // Checks a password given in clear (AUTH PLAIN and LOGIN), in constant
    // time for the plain and salted schemes.
    bool verify(std::string_view password) const;

    bool supports_cram_md5() const { return scheme_ == Scheme::plain || scheme_ == Scheme::cram_md5; }

    // The lower-case hex HMAC-MD5 digest that a client with this password
    // sends for the challenge, or nothing when the scheme cannot tell.
    std::optional<std::string> cram_md5_digest(std::string_view challenge) const;

private:
    Scheme scheme_ = Scheme::plain;
    std::string scheme_name_;
    std::string value_;  // after the prefix; for CRAM-MD5 the 32 decoded bytes
};

// Makes a stored password in the given scheme ("PLAIN", "CRAM-MD5",
// "SHA512-CRYPT", "SSHA256"...) for the --hash-password commands. Throws
// std::invalid_argument for an unknown scheme or an empty password.
std::string make_stored_password(std::string_view scheme, std::string_view password);

// Compares two digests in constant time.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace odmr

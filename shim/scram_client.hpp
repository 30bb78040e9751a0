// The client side of SCRAM-SHA-256 (RFC 5802 with the hash of RFC 7677),
// without channel binding: the password never crosses the wire, and the
// server proves that it has the password too.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

class ScramSha256Client {
public:
    // client_nonce is for tests; empty makes a random one.
    ScramSha256Client(std::string login, std::string password, std::string client_nonce = {});

    // The client-first message ("n,,n=login,r=nonce"), before base64.
    std::string first_message() const;

    // Reads the server-first message and returns the client-final message
    // with the proof. Returns nothing and sets error for a malformed
    // message, a nonce that does not extend ours, or an iteration count out
    // of range.
    std::optional<std::string> final_message(std::string_view server_first, std::string& error);

    // True when the server-final message ("v=...") carries the signature
    // that only a server knowing the password can compute.
    bool verify_server(std::string_view server_final) const;

private:
    std::string login_;
    std::string password_;
    std::string client_nonce_;
    std::string expected_server_signature_;  // raw bytes, set by final_message
};

}  // namespace odmr

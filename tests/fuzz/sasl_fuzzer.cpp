// Fuzzes the SASL decoding that odmrd applies to AUTH lines (RFC 4954):
// strict base64, the PLAIN message (RFC 4616), the LOGIN username and
// password lines, and the CRAM-MD5 response (RFC 2195). Each line of the
// input is one client response, decoded the way the session decodes it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/base64.hpp"
#include "smtp/password.hpp"
#include "smtp/sasl.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

constexpr std::string_view challenge = "<4711.1700000000@provider.example>";

void check_base64(std::string_view text) {
    const std::string encoded = base64_encode(text);
    require(encoded.size() % 4 == 0, "base64_encode wrote a partial group");
    require(base64_decode(encoded) == text, "base64 does not decode to what was encoded");

    const auto decoded = base64_decode(text);
    if (!decoded) return;
    require(text.size() % 4 == 0, "base64 with a partial group was accepted");
    require(decoded->size() <= text.size() / 4 * 3, "base64 decoded to more bytes than it can hold");
    require(base64_decode(base64_encode(*decoded)) == *decoded, "decoded base64 does not survive a round trip");
}

void check_plain(std::string_view message) {
    const auto login = decode_sasl_plain(message);
    if (!login) return;

    require(!login->login.empty() && !login->password.empty(), "PLAIN accepted an empty login or password");
    require(login->login.find('\0') == std::string::npos, "PLAIN accepted a login with a NUL byte");
    require(login->password.find('\0') == std::string::npos, "PLAIN accepted a password with a NUL byte");

    const auto again = decode_sasl_plain(sasl_plain_client_message(login->login, login->password));
    require(again && again->login == login->login && again->password == login->password,
            "a PLAIN client message does not decode to its login and password");
}

void check_cram_md5(std::string_view message) {
    const auto response = parse_cram_md5_response(message);
    if (!response) return;

    require(!response->login.empty(), "CRAM-MD5 accepted an empty login");
    require(response->digest.size() == 32, "CRAM-MD5 accepted a digest that is not 32 hex digits");
    require(response->digest.find_first_not_of("0123456789abcdef") == std::string::npos,
            "the CRAM-MD5 digest is not lower-case hex");

    // The session compares the digest with the one the stored password
    // gives, so the client's response for that password must match it.
    std::string error;
    const auto stored = StoredPassword::parse(concat("{PLAIN}", response->login), error);
    require(stored.has_value(), "a {PLAIN} password was rejected");
    const auto expected = stored->cram_md5_digest(challenge);
    require(expected.has_value(), "a {PLAIN} password gives no CRAM-MD5 digest");
    equal_in_constant_time(*expected, response->digest);

    const auto answer = parse_cram_md5_response(cram_md5_client_answer(response->login, response->login, challenge));
    require(answer.has_value(), "a CRAM-MD5 client answer does not parse");
    require(answer->login == response->login, "a CRAM-MD5 client answer lost its login");
    require(answer->digest == *expected, "a CRAM-MD5 client answer has another digest than the server expects");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_base64(input);

    for (auto line : split(input, '\n')) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line == "*") continue;  // the client cancelled

        // A line that is not base64 is checked raw as well, so the decoders
        // see bytes that base64 cannot easily reach by mutation.
        const auto decoded = base64_decode(line);
        const std::string message = decoded ? *decoded : std::string(line);
        check_plain(message);
        check_cram_md5(message);
    }
    return 0;
}

#include "smtp/sasl.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <ctime>

#include "smtp/password.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::optional<SaslLogin> decode_sasl_plain(std::string_view message) {
    const auto first = message.find('\0');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = message.find('\0', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    if (message.find('\0', second + 1) != std::string_view::npos) return std::nullopt;

    const auto authorization = message.substr(0, first);
    SaslLogin result{std::string(message.substr(first + 1, second - first - 1)),
                     std::string(message.substr(second + 1))};
    if (result.login.empty() || result.password.empty()) return std::nullopt;
    if (!authorization.empty() && authorization != result.login) return std::nullopt;
    return result;
}

std::string make_cram_md5_challenge(std::string_view hostname) {
    unsigned char random[8];
    RAND_bytes(random, sizeof random);
    unsigned long long number = 0;
    for (unsigned char byte : random) number = (number << 8) | byte;
    return concat('<', number, '.', static_cast<long long>(std::time(nullptr)), '@', hostname, '>');
}

std::optional<CramMd5Response> parse_cram_md5_response(std::string_view message) {
    const auto space = message.rfind(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;

    CramMd5Response response{std::string(message.substr(0, space)), to_lower(message.substr(space + 1))};
    if (response.digest.size() != 32) return std::nullopt;
    for (char c : response.digest) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    }
    return response;
}

std::string cram_md5_client_answer(std::string_view login, std::string_view password, std::string_view challenge) {
    std::string error;
    auto stored = StoredPassword::parse(concat("{PLAIN}", password), error);
    return concat(login, ' ', stored->cram_md5_digest(challenge).value_or(""));
}

std::string sasl_plain_client_message(std::string_view login, std::string_view password) {
    std::string message;
    message += '\0';
    message += login;
    message += '\0';
    message += password;
    return message;
}

}  // namespace odmr

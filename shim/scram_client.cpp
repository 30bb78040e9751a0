#include "shim/scram_client.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>

#include "smtp/base64.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// The gs2 header "n,," means no channel binding and no authorization identity.
constexpr std::string_view gs2_header = "n,,";

// The cap keeps a hostile server from making the client compute PBKDF2 for
// long. RFC 7677 recommends at least 4096 iterations.
constexpr long max_iterations = 10'000'000;

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &length);
    return std::string(reinterpret_cast<char*>(out), length);
}

std::string sha256(std::string_view data) {
    unsigned char out[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
    return std::string(reinterpret_cast<char*>(out), sizeof out);
}

// RFC 5802 section 5.1: '=' and ',' in a name are written =3D and =2C.
// NOTE: names and passwords go out as written, without SASLprep (RFC 4013),
// which changes only non-ASCII text.
std::string sasl_name(std::string_view name) {
    std::string result;
    for (const char c : name) {
        if (c == '=') result += "=3D";
        else if (c == ',') result += "=2C";
        else result += c;
    }
    return result;
}

std::string random_nonce() {
    unsigned char bytes[18];
    RAND_bytes(bytes, sizeof bytes);
    return base64_encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

// The value of attribute `name` ("r", "s"...) in a message of
// "name=value" pairs separated by commas.
std::optional<std::string_view> attribute(std::string_view message, char name) {
    for (const auto part : split(message, ',')) {
        if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
    }
    return std::nullopt;
}

}  // namespace

ScramSha256Client::ScramSha256Client(std::string login, std::string password, std::string client_nonce)
    : login_(std::move(login)),
      password_(std::move(password)),
      client_nonce_(client_nonce.empty() ? random_nonce() : std::move(client_nonce)) {}

std::string ScramSha256Client::first_message() const {
    return concat(gs2_header, "n=", sasl_name(login_), ",r=", client_nonce_);
}

std::optional<std::string> ScramSha256Client::final_message(std::string_view server_first, std::string& error) {
    if (attribute(server_first, 'm')) {
        error = "the server requires a SCRAM extension that odmr-fetch does not know";
        return std::nullopt;
    }
    const auto nonce = attribute(server_first, 'r');
    const auto salt_text = attribute(server_first, 's');
    const auto iterations_text = attribute(server_first, 'i');
    if (!nonce || !salt_text || !iterations_text) {
        error = "the server-first message lacks r=, s= or i=";
        return std::nullopt;
    }

    // The server's nonce must extend ours, or an old exchange is replayed.
    if (nonce->size() <= client_nonce_.size() || nonce->substr(0, client_nonce_.size()) != client_nonce_) {
        error = "the server's nonce does not start with the client's nonce";
        return std::nullopt;
    }
    const auto salt = base64_decode(*salt_text);
    long iterations = 0;
    const auto parsed = std::from_chars(iterations_text->data(), iterations_text->data() + iterations_text->size(), iterations);
    if (!salt || salt->empty() || parsed.ec != std::errc() || iterations < 1 || iterations > max_iterations) {
        error = "the server-first message has an invalid salt or iteration count";
        return std::nullopt;
    }

    unsigned char salted[SHA256_DIGEST_LENGTH];
    PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                      reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
                      static_cast<int>(iterations), EVP_sha256(), sizeof salted, salted);
    const std::string salted_password(reinterpret_cast<char*>(salted), sizeof salted);
    OPENSSL_cleanse(salted, sizeof salted);

    const std::string without_proof = concat("c=", base64_encode(gs2_header), ",r=", *nonce);
    const std::string client_first_bare = first_message().substr(gs2_header.size());
    const std::string auth_message = concat(client_first_bare, ",", server_first, ",", without_proof);

    const std::string client_key = hmac_sha256(salted_password, "Client Key");
    const std::string client_signature = hmac_sha256(sha256(client_key), auth_message);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ client_signature[i]);

    expected_server_signature_ = hmac_sha256(hmac_sha256(salted_password, "Server Key"), auth_message);
    return concat(without_proof, ",p=", base64_encode(proof));
}

bool ScramSha256Client::verify_server(std::string_view server_final) const {
    const auto verifier = attribute(server_final, 'v');
    if (!verifier || expected_server_signature_.empty()) return false;
    const auto signature = base64_decode(*verifier);
    return signature && signature->size() == expected_server_signature_.size() &&
           CRYPTO_memcmp(signature->data(), expected_server_signature_.data(), signature->size()) == 0;
}

}  // namespace odmr

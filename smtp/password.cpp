// The CRAM-MD5 scheme needs MD5 with a preset state, which only OpenSSL's
// low-level MD5 interface offers; it is deprecated in OpenSSL 3 but present.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "smtp/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "smtp/base64.hpp"
#include "smtp/text.hpp"

namespace odmr {

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

static std::string to_hex(const unsigned char* data, std::size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string result;
    for (std::size_t i = 0; i < size; ++i) {
        result += digits[data[i] >> 4];
        result += digits[data[i] & 15];
    }
    return result;
}

static std::optional<std::string> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string result;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int value = 0;
        for (std::size_t j = 0; j < 2; ++j) {
            const char c = text[i + j];
            value <<= 4;
            if (c >= '0' && c <= '9') value |= c - '0';
            else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
            else return std::nullopt;
        }
        result += static_cast<char>(value);
    }
    return result;
}

// The HMAC-MD5 context of a key: the MD5 state after the outer pad block,
// then after the inner pad block, each as four little-endian 32-bit words.
static std::string cram_md5_context(std::string_view key) {
    unsigned char block[64] = {};
    if (key.size() > 64) {
        MD5(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
    } else {
        std::copy(key.begin(), key.end(), block);
    }

    std::string context;
    for (unsigned char pad : {0x5c, 0x36}) {
        unsigned char padded[64];
        for (int i = 0; i < 64; ++i) padded[i] = block[i] ^ pad;
        MD5_CTX state;
        MD5_Init(&state);
        MD5_Update(&state, padded, sizeof padded);
        for (MD5_LONG word : {state.A, state.B, state.C, state.D}) {
            for (int shift = 0; shift < 32; shift += 8) context += static_cast<char>((word >> shift) & 0xff);
        }
    }
    return context;
}

static void load_md5_state(MD5_CTX& state, std::string_view words) {
    MD5_Init(&state);
    MD5_LONG* targets[] = {&state.A, &state.B, &state.C, &state.D};
    for (int i = 0; i < 4; ++i) {
        MD5_LONG word = 0;
        for (int byte = 0; byte < 4; ++byte) {
            word |= static_cast<MD5_LONG>(static_cast<unsigned char>(words[i * 4 + byte])) << (8 * byte);
        }
        *targets[i] = word;
    }
    state.Nl = 512;  // one 64-byte pad block already hashed
}

static std::string hmac_md5_from_context(std::string_view context, std::string_view message) {
    unsigned char inner_digest[MD5_DIGEST_LENGTH];
    MD5_CTX inner;
    load_md5_state(inner, context.substr(16, 16));
    MD5_Update(&inner, message.data(), message.size());
    MD5_Final(inner_digest, &inner);

    unsigned char digest[MD5_DIGEST_LENGTH];
    MD5_CTX outer;
    load_md5_state(outer, context.substr(0, 16));
    MD5_Update(&outer, inner_digest, sizeof inner_digest);
    MD5_Final(digest, &outer);
    return to_hex(digest, sizeof digest);
}

std::optional<StoredPassword> StoredPassword::parse(std::string_view text, std::string& error) {
    if (text.empty() || text.front() != '{') {
        error = "the password has no scheme prefix; write it as {PLAIN}secret or use a hashed scheme";
        return std::nullopt;
    }
    const auto close = text.find('}');
    if (close == std::string_view::npos) {
        error = "the password scheme prefix has no closing '}'";
        return std::nullopt;
    }

    StoredPassword stored;
    stored.scheme_name_ = to_upper(text.substr(1, close - 1));
    stored.value_ = std::string(text.substr(close + 1));
    const std::string& name = stored.scheme_name_;

    if (name == "PLAIN" || name == "CLEAR" || name == "CLEARTEXT") {
        stored.scheme_ = Scheme::plain;
    } else if (name == "CRAM-MD5" || name == "HMAC-MD5") {
        auto decoded = from_hex(stored.value_);
        if (!decoded || decoded->size() != 32) {
            error = "a {CRAM-MD5} password must be 64 hexadecimal digits (the output of odmrd --hash-password CRAM-MD5)";
            return std::nullopt;
        }
        stored.scheme_ = Scheme::cram_md5;
        stored.value_ = *decoded;
    } else if (name == "CRYPT" || name == "SHA512-CRYPT" || name == "SHA256-CRYPT" || name == "BLF-CRYPT" ||
               name == "MD5-CRYPT") {
        if (stored.value_.size() < 3 || stored.value_.front() != '$') {
            error = concat("a {", name, "} password must be a crypt(3) hash starting with '$'");
            return std::nullopt;
        }
        stored.scheme_ = Scheme::crypt;
    } else if (name == "SSHA256" || name == "SSHA512") {
        const auto decoded = base64_decode(stored.value_);
        const std::size_t digest_size = name == "SSHA256" ? 32 : 64;
        if (!decoded || decoded->size() <= digest_size) {
            error = concat("a {", name, "} password must be base64 of the digest followed by a salt");
            return std::nullopt;
        }
        stored.scheme_ = name == "SSHA256" ? Scheme::salted_sha256 : Scheme::salted_sha512;
        stored.value_ = *decoded;
    } else {
        error = concat("unknown password scheme {", printable(name, 40),
                       "}; use PLAIN, CRAM-MD5, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, SSHA256 or SSHA512");
        return std::nullopt;
    }

    // An empty password would let in anyone who has the login name.
    // NOTE: the crypt schemes are not tried, because a strong hash takes too
    // long to compute for every line of a large table.
    if (stored.scheme_ != Scheme::crypt && stored.verify("")) {
        error = "the password is empty; choose one and write it with odmrd --hash-password SCHEME";
        return std::nullopt;
    }
    return stored;
}

static std::string salted_digest(StoredPassword::Scheme scheme, std::string_view password, std::string_view salt) {
    std::string input(password);
    input += salt;
    unsigned char digest[SHA512_DIGEST_LENGTH];
    const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
    if (scheme == StoredPassword::Scheme::salted_sha256) {
        SHA256(bytes, input.size(), digest);
        return std::string(reinterpret_cast<char*>(digest), SHA256_DIGEST_LENGTH);
    }
    SHA512(bytes, input.size(), digest);
    return std::string(reinterpret_cast<char*>(digest), SHA512_DIGEST_LENGTH);
}

bool StoredPassword::verify(std::string_view password) const {
    switch (scheme_) {
    case Scheme::plain:
        return equal_in_constant_time(value_, password);
    case Scheme::cram_md5:
        return equal_in_constant_time(cram_md5_context(password), value_);
    case Scheme::crypt: {
        auto data = std::make_unique<crypt_data>();
        const std::string clear(password);
        const char* hashed = crypt_r(clear.c_str(), value_.c_str(), data.get());
        return hashed != nullptr && hashed[0] != '*' && equal_in_constant_time(hashed, value_);
    }
    case Scheme::salted_sha256:
    case Scheme::salted_sha512: {
        const std::size_t digest_size = scheme_ == Scheme::salted_sha256 ? 32 : 64;
        const std::string_view stored_digest = std::string_view(value_).substr(0, digest_size);
        const std::string_view salt = std::string_view(value_).substr(digest_size);
        return equal_in_constant_time(salted_digest(scheme_, password, salt), stored_digest);
    }
    }
    return false;
}

std::optional<std::string> StoredPassword::cram_md5_digest(std::string_view challenge) const {
    if (scheme_ == Scheme::cram_md5) return hmac_md5_from_context(value_, challenge);
    if (scheme_ != Scheme::plain) return std::nullopt;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_md5(), value_.data(), static_cast<int>(value_.size()),
         reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), digest, &length);
    return to_hex(digest, length);
}

static std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
        throw std::runtime_error("the random number generator failed");
    }
    return bytes;
}

static std::string crypt_with_prefix(const char* prefix, std::string_view password) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn(prefix, 0, nullptr, 0, setting, sizeof setting) == nullptr) {
        throw std::runtime_error(concat("crypt(3) does not support the prefix ", prefix));
    }
    auto data = std::make_unique<crypt_data>();
    const std::string clear(password);
    const char* hashed = crypt_r(clear.c_str(), setting, data.get());
    if (hashed == nullptr || hashed[0] == '*') throw std::runtime_error("crypt(3) failed");
    return hashed;
}

std::string make_stored_password(std::string_view scheme, std::string_view password) {
    if (password.empty()) throw std::invalid_argument("the password is empty; give a non-empty password on standard input");
    const std::string name = to_upper(scheme);
    if (name == "PLAIN") return concat("{PLAIN}", password);
    if (name == "CRAM-MD5") {
        const std::string context = cram_md5_context(password);
        return concat("{CRAM-MD5}", to_hex(reinterpret_cast<const unsigned char*>(context.data()), context.size()));
    }
    if (name == "SHA512-CRYPT") return concat("{SHA512-CRYPT}", crypt_with_prefix("$6$", password));
    if (name == "SHA256-CRYPT") return concat("{SHA256-CRYPT}", crypt_with_prefix("$5$", password));
    if (name == "BLF-CRYPT") return concat("{BLF-CRYPT}", crypt_with_prefix("$2b$", password));
    if (name == "SSHA256" || name == "SSHA512") {
        const auto kind = name == "SSHA256" ? StoredPassword::Scheme::salted_sha256 : StoredPassword::Scheme::salted_sha512;
        const std::string salt = random_bytes(8);
        return concat("{", name, "}", base64_encode(salted_digest(kind, password, salt) + salt));
    }
    throw std::invalid_argument(concat("unknown password scheme ", printable(scheme, 40),
                                       "; use PLAIN, CRAM-MD5, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, SSHA256 or SSHA512"));
}

}  // namespace odmr

#include "smtp/base64.hpp"

#include <cstdint>

namespace odmr {

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
    std::string result;
    result.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const std::uint32_t group = (static_cast<unsigned char>(data[i]) << 16) |
                                    (static_cast<unsigned char>(data[i + 1]) << 8) |
                                    static_cast<unsigned char>(data[i + 2]);
        result += alphabet[(group >> 18) & 63];
        result += alphabet[(group >> 12) & 63];
        result += alphabet[(group >> 6) & 63];
        result += alphabet[group & 63];
    }

    const std::size_t rest = data.size() - i;
    if (rest == 0) return result;
    std::uint32_t group = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) group |= static_cast<unsigned char>(data[i + 1]) << 8;
    result += alphabet[(group >> 18) & 63];
    result += alphabet[(group >> 12) & 63];
    result += rest == 2 ? alphabet[(group >> 6) & 63] : '=';
    result += '=';
    return result;
}

static int decode_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string result;
    result.reserve(text.size() / 4 * 3);

    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last_group = i + 4 == text.size();
        int digits[4];
        int padding = 0;
        for (int j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=' && last_group && j >= 2) {
                digits[j] = 0;
                ++padding;
                continue;
            }
            if (padding > 0) return std::nullopt;  // data after padding
            digits[j] = decode_digit(c);
            if (digits[j] < 0) return std::nullopt;
        }

        // Canonical form only: the bits that padding drops must be zero.
        if ((padding == 2 && (digits[1] & 0x0f) != 0) || (padding == 1 && (digits[2] & 0x03) != 0)) {
            return std::nullopt;
        }
        const std::uint32_t group = (digits[0] << 18) | (digits[1] << 12) | (digits[2] << 6) | digits[3];
        result += static_cast<char>((group >> 16) & 0xff);
        if (padding < 2) result += static_cast<char>((group >> 8) & 0xff);
        if (padding < 1) result += static_cast<char>(group & 0xff);
    }
    return result;
}

}  // namespace odmr

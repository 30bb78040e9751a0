// Fuzzes odmr-fetch's SCRAM-SHA-256 client with what a provider sends: the
// first line of the input is the server-first message, the second the
// server-final message, both after base64 decoding.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shim/scram_client.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

// The client accepts up to 10 million PBKDF2 iterations, and so many take
// seconds. Inputs above this count are skipped to keep the run fast, and
// the range check is still reached through counts below 1 and bad digits.
constexpr long max_fuzzed_iterations = 10000;

bool too_many_iterations(std::string_view server_first) {
    for (const auto part : split(server_first, ',')) {
        if (part.substr(0, 2) != "i=") continue;
        long iterations = 0;
        const auto digits = part.substr(2);
        std::from_chars(digits.data(), digits.data() + digits.size(), iterations);
        if (iterations > max_fuzzed_iterations) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string_view server_first = input.substr(0, newline);
    const std::string_view server_final = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (too_many_iterations(server_first)) return 0;

    ScramSha256Client client("alice", "secret", "fyqfuzznonce");
    require(client.first_message() == "n,,n=alice,r=fyqfuzznonce", "the client-first message changed");

    std::string error;
    const auto final_message = client.final_message(server_first, error);
    if (!final_message) {
        require(!error.empty(), "a rejected server-first message has no error message");
        return 0;
    }
    // "c=biws,r=NONCE,p=PROOF", where the nonce extends ours and the proof
    // is the base64 of a SHA-256 HMAC.
    require(final_message->rfind("c=biws,r=fyqfuzznonce", 0) == 0, "the client-final message lost the nonce");
    const auto proof = final_message->rfind(",p=");
    require(proof != std::string::npos && final_message->size() - proof - 3 == 44,
            "the client-final message has no proof of 32 bytes");
    client.verify_server(server_final);
    return 0;
}

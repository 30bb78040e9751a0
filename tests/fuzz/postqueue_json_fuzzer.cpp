// Fuzzes the reading of `postqueue -j` output: one JSON object per line,
// each a queue entry whose recipients are filtered by domain. The JSON
// reader underneath is also walked on its own for every line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/host/json.hpp"
#include "plugin/host/postfix_queue.hpp"
#include "smtp/domain.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

bool in_example_com(std::string_view domain) {
    return is_same_or_subdomain(domain, "example.com");
}

// Visits every value, so a broken tree shows up under the sanitizers.
std::size_t count_values(const json::Value& value, int depth) {
    require(depth <= 33, "the JSON reader returned a tree deeper than its limit");
    std::size_t count = 1;
    if (const auto* array = value.array()) {
        for (const auto& element : *array) count += count_values(element, depth + 1);
    }
    if (const auto* object = value.object()) {
        for (const auto& [name, member] : *object) count += count_values(member, depth + 1);
    }
    return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const auto line : split(input, '\n')) {
        std::string error;
        if (const auto value = json::parse(line, error)) {
            count_values(*value, 0);
        } else {
            require(!error.empty(), "invalid JSON without an error message");
        }

        HeldMessage message;
        std::string entry_error;
        if (!parse_postqueue_json_line(line, in_example_com, message, entry_error)) {
            require(!entry_error.empty(), "a rejected queue entry has no error message");
            continue;
        }
        for (const auto& recipient : message.recipients) {
            require(in_example_com(domain_of(recipient)), "a recipient outside the filter was listed");
        }
    }
    return 0;
}

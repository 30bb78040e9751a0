// Fuzzes the argument of ATRN (RFC 2645): a comma-separated domain list
// that a client sends before it has any right to the queue.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "plugin/odmrd/atrn_request.hpp"
#include "smtp/domain.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    std::string bad;
    const auto domains = parse_atrn_domains(input, bad);
    if (!domains) {
        // bad goes into a 501 reply, so it must be printable and short.
        require(fuzz::is_printable_ascii(bad), "the rejected part is not printable");
        require(bad.size() <= 4 * 100 + 3, "the rejected part is longer than its limit");
        return 0;
    }

    require(!domains->empty(), "an ATRN argument without a domain was accepted");
    const auto commas = static_cast<std::size_t>(std::count(input.begin(), input.end(), ','));
    require(domains->size() <= commas + 1, "the list has more domains than parts");
    for (const auto& domain : *domains) {
        require(normalize_domain(domain) == domain, "an accepted domain is not in normal form");
    }
    return 0;
}

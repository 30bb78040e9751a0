// Fuzzes Postfix's policy delegation requests as odmrd reads them:
// "name=value" lines ended by an empty line, several requests on one
// connection, read over reads of random sizes. A complete request in the
// ETRN state has its etrn_domain checked the way odmrd's policy service does.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "plugin/odmrd/etrn_request.hpp"
#include "plugin/odmrd/policy_session.hpp"
#include "smtp/io_error.hpp"
#include "smtp/line_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

// The line limit of odmrd's policy service.
constexpr std::size_t max_line_length = 4096;

void check_request(const PolicyRequestParser& parser) {
    for (const auto& [name, value] : parser.attributes) {
        require(!name.empty(), "an attribute without a name was accepted");
        require(name.find('=') == std::string::npos, "an attribute name contains '='");
    }

    const auto state = parser.attributes.find("protocol_state");
    if (state == parser.attributes.end() || state->second != "ETRN") return;
    const auto domain = parser.attributes.find("etrn_domain");
    std::string error;
    parse_etrn_argument(domain == parser.attributes.end() ? std::string() : domain->second, error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz::InputRandom random(input);
    fuzz::ChunkedStream stream(input, random, 200);
    LineReader reader(stream, max_line_length);

    PolicyRequestParser parser;
    try {
        while (true) {
            const Line line = reader.read_line(Deadline::never());
            if (line.too_long) return 0;  // the service ends the connection

            std::string error;
            if (!parser.add_line(line.text, error)) {
                require(!error.empty(), "a rejected line has no error message");
                require(fuzz::is_printable_ascii(error), "the error message is not printable");
                return 0;  // the service ends the connection
            }
            if (!parser.complete) continue;

            check_request(parser);
            parser = PolicyRequestParser{};
        }
    } catch (const IoError& error) {
        require(error.kind() == IoError::Kind::end_of_file, "reading failed with an error other than end of file");
    }
    return 0;
}

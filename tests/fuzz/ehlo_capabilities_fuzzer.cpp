// Fuzzes how odmr reads the service extensions of an EHLO or LHLO reply:
// the reply is read as from a peer, then every query a session makes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/capabilities.hpp"
#include "smtp/io_error.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/reply.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz::InputRandom random(input);
    fuzz::ChunkedStream stream(input, random, 64);
    LineReader reader(stream, 1000);

    Reply reply;
    try {
        reply = read_reply(reader, Deadline::never());
    } catch (const IoError&) {
        return 0;
    }

    const Capabilities capabilities = Capabilities::from_ehlo_reply(reply);
    for (const char* keyword : {"PIPELINING", "8BITMIME", "SMTPUTF8", "DSN", "STARTTLS", "XFORWARD", "ATRN", "ETRN"}) {
        const bool offered = capabilities.has(keyword);
        require(offered || capabilities.parameters(keyword).empty(), "an extension not offered has parameters");
    }

    const auto limit = capabilities.size_limit();
    require(limit.has_value() == capabilities.has("SIZE"), "size_limit disagrees with has(\"SIZE\")");

    for (const auto& mechanism : capabilities.auth_mechanisms()) {
        require(!mechanism.empty(), "an empty SASL mechanism name was listed");
        require(mechanism == to_upper(mechanism), "a SASL mechanism name is not upper case");
        require(mechanism.find_first_of(" \t") == std::string::npos, "a SASL mechanism name has white space");
    }
    return 0;
}

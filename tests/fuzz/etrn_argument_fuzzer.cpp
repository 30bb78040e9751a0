// Fuzzes the argument of ETRN (RFC 1985): a domain, "@domain", "#queue" or
// an address literal, and the optional password of the field extension.
// It arrives on odmrd's ETRN port and through Postfix's policy requests.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/odmrd/etrn_request.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    std::string error;
    const auto request = parse_etrn_argument(input, error);
    if (!request) {
        // The error is the text of a 501 reply and must not echo the input.
        require(istarts_with(error, "5.5.4 "), "the error lacks the enhanced status code 5.5.4");
        require(fuzz::is_printable_ascii(error), "the error is not printable");
        return 0;
    }

    require(!request->node.empty(), "an empty node was accepted");
    require(fuzz::is_printable_ascii(request->node), "a node with unprintable bytes was accepted");
    require(request->node.find(' ') == std::string::npos, "a node with a space was accepted");
    if (request->password) {
        require(!request->password->empty(), "an empty password was accepted");
        require(fuzz::is_printable_ascii(*request->password), "a password with unprintable bytes was accepted");
        require(request->password->find(' ') == std::string::npos, "a password with a space was accepted");
    }

    // The node as replies and logs name it must parse to the same request.
    const std::string described = describe_node(*request);
    std::string again_error;
    const auto again = parse_etrn_argument(described, again_error);
    require(again.has_value(), "describe_node wrote a node that does not parse");
    require(again->kind == request->kind, "describe_node changed the kind of node");
    require(again->node == request->node, "describe_node changed the node");
    return 0;
}

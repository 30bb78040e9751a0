#include "plugin/odmrd/policy_session.hpp"

#include "plugin/odmrd/etrn_service.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// Postfix's attributes are short, but certificate fields can reach a few
// hundred bytes; 100 attributes is more than Postfix 3.7 sends.
constexpr std::size_t policy_max_line_length = 4096;
constexpr std::size_t policy_max_attributes = 100;

std::string attribute(const std::map<std::string, std::string>& attributes, const std::string& name) {
    const auto found = attributes.find(name);
    return found == attributes.end() ? std::string() : found->second;
}

}  // namespace

bool PolicyRequestParser::add_line(std::string_view line, std::string& error) {
    if (line.empty()) {
        complete = true;
        return true;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        error = concat("malformed policy request line: ", printable(line));
        return false;
    }
    if (attributes.size() >= policy_max_attributes) {
        error = "policy request has too many attributes";
        return false;
    }
    attributes[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
    return true;
}

PolicySession::PolicySession(std::unique_ptr<Stream> stream, const ServerContext& context, EtrnRuns& runs)
    : connection_(std::move(stream), policy_max_line_length), context_(context), runs_(runs) {}

void PolicySession::run() {
    try {
        std::map<std::string, std::string> attributes;
        while (read_request(attributes)) {
            // The policy protocol ends lines with LF alone, not CRLF.
            connection_.writer().append(concat("action=", decide(attributes), "\n\n"));
            connection_.flush(Deadline::after(context_.settings.command_timeout));
        }
    } catch (const IoError& error) {
        log::debug(concat("policy connection ended: ", error.what()));
    } catch (const std::exception& error) {
        log::error(concat("policy connection failed: ", error.what()));
    }
}

bool PolicySession::read_request(std::map<std::string, std::string>& attributes) {
    PolicyRequestParser parser;
    while (!parser.complete) {
        Line line;
        try {
            line = connection_.read_line(Deadline::after(context_.settings.command_timeout));
        } catch (const IoError& error) {
            if (error.kind() == IoError::Kind::end_of_file && parser.attributes.empty()) return false;
            throw;
        }
        if (line.too_long) throw IoError(IoError::Kind::protocol, "policy request line too long");

        std::string error;
        if (!parser.add_line(line.text, error)) throw IoError(IoError::Kind::protocol, error);
    }
    attributes = std::move(parser.attributes);
    return true;
}

std::string PolicySession::decide(const std::map<std::string, std::string>& attributes) {
    if (attribute(attributes, "protocol_state") != "ETRN") return "DUNNO";

    const std::string argument = attribute(attributes, "etrn_domain");
    std::string error;
    const auto request = parse_etrn_argument(argument, error);
    if (!request) {
        log::info(concat("ETRN via postfix: invalid argument '", printable(argument, 100), "': ", error));
        return concat("501 ", error);
    }

    const EtrnClient client{attribute(attributes, "client_address"), attribute(attributes, "sasl_username")};
    EtrnService service(context_, runs_);
    const EtrnOutcome outcome = service.handle(*request, client, "postfix", true);

    // Postfix itself answers "250 Queuing started" and runs its own flush;
    // odmrd only decides whether it may.
    if (outcome.code < 400) return "DUNNO";
    return concat(outcome.code, " ", outcome.text);
}

}  // namespace odmr

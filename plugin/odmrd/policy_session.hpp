// Postfix's policy delegation protocol (SMTPD_POLICY_README): Postfix sends
// "name=value" lines ended by an empty line and expects "action=..." and an
// empty line back, several requests per connection. odmrd answers the ETRN
// state: with a 459 or 458 when the release is refused, and with DUNNO
// once it has opened the connection to the customer, so that Postfix's own
// flush delivers the held mail through that connection. Requests in any
// other state get DUNNO.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "plugin/odmrd/etrn_runs.hpp"
#include "plugin/odmrd/server_context.hpp"
#include "smtp/connection.hpp"

namespace odmr {

// One policy request: "name=value" lines without their line ends.
struct PolicyRequestParser {
    // Adds a line. Returns false and sets error when the line is not
    // "name=value" or the request has too many attributes; an empty line
    // completes the request and returns true with complete set.
    bool add_line(std::string_view line, std::string& error);

    std::map<std::string, std::string> attributes;
    bool complete = false;
};

class PolicySession {
public:
    PolicySession(std::unique_ptr<Stream> stream, const ServerContext& context, EtrnRuns& runs);

    // Serves requests until Postfix closes the connection. Never throws.
    void run();

private:
    // Reads one request; returns false at a clean end of the connection.
    bool read_request(std::map<std::string, std::string>& attributes);
    std::string decide(const std::map<std::string, std::string>& attributes);

    Connection connection_;
    const ServerContext& context_;
    EtrnRuns& runs_;
};

}  // namespace odmr

// A client on odmrd's own ETRN port: a small SMTP service with EHLO, HELO,
// ETRN (RFC 1985, plus "ETRN domain password"), NOOP, RSET, QUIT and HELP.
// For hosts other than Postfix, and for the password form, which Postfix's
// own ETRN rejects.
#pragma once

#include <memory>
#include <string>

#include "plugin/odmrd/etrn_runs.hpp"
#include "plugin/odmrd/server_context.hpp"
#include "smtp/command.hpp"
#include "smtp/connection.hpp"

namespace odmr {

class EtrnServerSession {
public:
    EtrnServerSession(std::unique_ptr<Stream> stream, std::string client_address, std::uint16_t client_port,
                      const ServerContext& context, EtrnRuns& runs);

    // Serves the client until it quits or fails. Never throws.
    void run();

private:
    void serve();
    void reply(int code, std::string_view text) { connection_.send_reply(code, text); }
    void reject(int code, std::string_view text);
    void handle_etrn(const Command& command);

    Connection connection_;
    std::string client_address_;
    std::uint16_t client_port_;
    const ServerContext& context_;
    EtrnRuns& runs_;
    bool greeted_ = false;
    int errors_ = 0;
    bool done_ = false;
};

}  // namespace odmr

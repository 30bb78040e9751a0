#include "plugin/odmrd/etrn_server_session.hpp"

#include "plugin/odmrd/etrn_service.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

// Commands are short here; RFC 5321 allows 512 octets per command line.
static constexpr std::size_t etrn_max_line_length = 512;

EtrnServerSession::EtrnServerSession(std::unique_ptr<Stream> stream, std::string client_address,
                                     std::uint16_t client_port, const ServerContext& context, EtrnRuns& runs)
    : connection_(std::move(stream), etrn_max_line_length),
      client_address_(std::move(client_address)),
      client_port_(client_port),
      context_(context),
      runs_(runs) {}

void EtrnServerSession::run() {
    const std::string client = concat("[", client_address_, "]:", client_port_);
    try {
        serve();
    } catch (const IoError& error) {
        if (error.kind() == IoError::Kind::timeout) {
            try {
                connection_.send_reply(421, concat("4.4.2 ", context_.settings.hostname, " Error: timeout exceeded"));
                connection_.flush(Deadline::after(Seconds(5)));
            } catch (const IoError&) {
            }
        }
        log::debug(concat("ETRN client ", client, " disconnected: ", error.what()));
    } catch (const std::exception& error) {
        log::error(concat("ETRN session with ", client, " failed: ", error.what()));
    }
}

void EtrnServerSession::reject(int code, std::string_view text) {
    if (++errors_ < context_.settings.max_errors) {
        reply(code, text);
        return;
    }
    reply(421, concat("4.7.0 ", context_.settings.hostname, " Error: too many errors"));
    done_ = true;
}

void EtrnServerSession::serve() {
    reply(220, concat(context_.settings.hostname, " ESMTP ETRN service (odmrd)"));
    const Deadline session_end = Deadline::after(context_.settings.setup_timeout);

    while (!done_) {
        const Line line =
            connection_.read_line(Deadline::earliest(Deadline::after(context_.settings.command_timeout), session_end));
        if (line.too_long) {
            reject(500, "5.5.2 Error: line too long");
            continue;
        }

        const Command command = parse_command(line.text);
        if (command.verb == "EHLO" || command.verb == "HELO") {
            if (command.argument.empty()) {
                reject(501, concat("5.5.4 Syntax: ", command.verb, " hostname"));
                continue;
            }
            greeted_ = true;
            reply(250, command.verb == "EHLO" ? concat(context_.settings.hostname, "\nETRN\nENHANCEDSTATUSCODES")
                                              : context_.settings.hostname);
        } else if (command.verb == "ETRN") {
            handle_etrn(command);
        } else if (command.verb == "NOOP" || command.verb == "RSET") {
            reply(250, "2.0.0 Ok");
        } else if (command.verb == "HELP") {
            reply(214, "2.0.0 Commands: EHLO HELO ETRN NOOP RSET QUIT; syntax: ETRN domain [password], ETRN @domain");
        } else if (command.verb == "QUIT") {
            reply(221, "2.0.0 Bye");
            done_ = true;
        } else if (command.verb == "MAIL" || command.verb == "RCPT" || command.verb == "DATA" ||
                   command.verb == "VRFY" || command.verb == "EXPN" || command.verb == "AUTH" ||
                   command.verb == "STARTTLS" || command.verb == "ATRN") {
            reject(502, "5.5.1 Error: command not implemented on the ETRN port");
        } else {
            reject(500, "5.5.2 Error: command not recognized");
        }
    }
    connection_.flush(Deadline::after(context_.settings.command_timeout));
}

void EtrnServerSession::handle_etrn(const Command& command) {
    if (!greeted_) {
        reject(503, "5.5.1 Error: send HELO or EHLO first");
        return;
    }

    std::string error;
    const auto request = parse_etrn_argument(command.argument, error);
    if (!request) {
        log::info(concat("ETRN from [", client_address_, "]: invalid argument '", printable(command.argument, 100),
                         "': ", error));
        reject(501, error);
        return;
    }

    EtrnService service(context_, runs_);
    const EtrnOutcome outcome = service.handle(*request, EtrnClient{client_address_, ""}, "etrn-port", false);
    reply(outcome.code, outcome.text);
}

}  // namespace odmr

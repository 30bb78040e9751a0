#include "plugin/odmrd/lmtp_bridge.hpp"

#include <ctime>

#include "smtp/data_terminator.hpp"
#include "smtp/domain.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/stream.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// Postfix writes commands of a few hundred bytes; XFORWARD is the longest.
constexpr std::size_t lmtp_max_line_length = 4096;

AttemptStatus status_of(const Reply& reply) {
    if (reply.positive_completion()) return AttemptStatus::sent;
    if (reply.transient_failure()) return AttemptStatus::deferred;
    return AttemptStatus::bounced;
}

const char* status_name(AttemptStatus status) {
    switch (status) {
    case AttemptStatus::sent: return "sent";
    case AttemptStatus::deferred: return "deferred";
    case AttemptStatus::bounced: return "bounced";
    }
    return "unknown";
}

// Decodes xtext (RFC 3461 section 4): "+" followed by two hex digits.
std::string decode_xtext(std::string_view text) {
    std::string result;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+' && i + 2 < text.size()) {
            const std::string hex(text.substr(i + 1, 2));
            char* end = nullptr;
            const long value = std::strtol(hex.c_str(), &end, 16);
            if (end == hex.c_str() + 2) {
                result += static_cast<char>(value);
                i += 2;
                continue;
            }
        }
        result += text[i];
    }
    return result;
}

bool is_queue_id(std::string_view text) {
    if (text.empty() || text.size() > 64) return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    }
    return true;
}

}  // namespace

LmtpBridgeConnection::LmtpBridgeConnection(int fd, std::shared_ptr<CustomerSession> session, BridgeSettings settings)
    : lmtp_(std::make_unique<FdStream>(fd), lmtp_max_line_length),
      session_(std::move(session)),
      settings_(std::move(settings)) {}

void LmtpBridgeConnection::run() {
    try {
        serve();
    } catch (const IoError& error) {
        if (error.kind() != IoError::Kind::end_of_file || in_transaction_) {
            log::debug(concat("bridge connection for ", session_->identity().relay, " ended: ", error.what()));
        }
    } catch (const std::exception& error) {
        log::error(concat("bridge connection for ", session_->identity().relay, " failed: ", error.what()));
    }
    abandon_transaction();
}

void LmtpBridgeConnection::serve() {
    lmtp_.send_reply(220, concat(settings_.hostname, " LMTP odmrd bridge to ", session_->identity().relay));
    while (true) {
        // Pipelined commands are forwarded together; once Postfix waits,
        // the customer's replies are collected and passed on.
        if (!lmtp_.reader().has_buffered_line()) resolve_pending();

        const Line line = lmtp_.read_line(Deadline::after(settings_.lmtp_timeout));
        if (line.too_long) {
            reply_locally(500, "5.5.2 Line too long");
            continue;
        }

        const Command command = parse_command(line.text);
        if (command.verb == "QUIT") {
            resolve_pending();
            lmtp_.send_reply(221, "2.0.0 Bye");
            lmtp_.flush(Deadline::after(settings_.lmtp_timeout));
            return;
        }
        handle(command, line.text);
    }
}

void LmtpBridgeConnection::handle(const Command& command, std::string_view line) {
    if (command.verb == "LHLO") return handle_lhlo();
    if (command.verb == "XFORWARD") return handle_xforward(command.argument);
    if (command.verb == "MAIL") return handle_mail(command, line);
    if (command.verb == "RCPT") return handle_recipient(command, line);
    if (command.verb == "DATA") return handle_data();
    if (command.verb == "RSET") return handle_reset();
    if (command.verb == "NOOP") return reply_locally(250, "2.0.0 Ok");
    reply_locally(502, "5.5.1 Command not implemented");
}

void LmtpBridgeConnection::handle_lhlo() {
    // Postfix adapts its delivery to what the customer can take: it
    // downgrades 8-bit mail, or bounces what exceeds the SIZE limit.
    const Capabilities& customer = session_->capabilities();
    std::string text = settings_.hostname;
    text += "\nPIPELINING\nENHANCEDSTATUSCODES\nXFORWARD NAME ADDR PROTO HELO IDENT";
    if (const auto size = customer.size_limit()) text += *size > 0 ? concat("\nSIZE ", *size) : "\nSIZE";
    for (const char* keyword : {"8BITMIME", "SMTPUTF8", "DSN"}) {
        if (customer.has(keyword)) text += concat("\n", keyword);
    }
    reply_locally(250, text);
}

void LmtpBridgeConnection::handle_xforward(const std::string& argument) {
    for (auto attribute : split_words(argument)) {
        if (!istarts_with(attribute, "IDENT=")) continue;
        const std::string ident = decode_xtext(attribute.substr(6));
        queue_id_ = is_queue_id(ident) ? ident : std::string();
    }
    reply_locally(250, "2.0.0 Ok");
}

void LmtpBridgeConnection::handle_mail(const Command& command, std::string_view line) {
    if (in_transaction_) return reply_locally(503, "5.5.1 Error: nested MAIL command");
    if (!parse_mail_path(command.argument, "FROM:")) return reply_locally(501, "5.5.4 Syntax: MAIL FROM:<address>");

    in_transaction_ = true;
    customer_lost_ = false;
    forwarded_recipients_ = 0;
    accepted_.clear();
    transaction_start_ = Clock::now();

    transaction_ = session_->begin_transaction(Deadline::after(settings_.lmtp_timeout));
    if (!transaction_) {
        in_transaction_ = false;
        return reply_locally(451, concat("4.3.0 No ODMR session is delivering to ", session_->identity().relay,
                                         " any more; the mail stays queued"));
    }
    forward(line, Step::mail);
}

void LmtpBridgeConnection::handle_recipient(const Command& command, std::string_view line) {
    if (!in_transaction_) return reply_locally(503, "5.5.1 Error: need MAIL command");
    const auto path = parse_mail_path(command.argument, "TO:");
    if (!path) return reply_locally(501, "5.5.4 Syntax: RCPT TO:<address>");

    // Mail for another domain stays queued for its own customer.
    const std::string domain = domain_of(path->address);
    if (!session_->owns_domain(domain)) {
        return reply_locally(450, concat("4.7.1 <", printable(path->address, 200), ">: this session does not release ",
                                         printable(domain, 100)));
    }
    ++forwarded_recipients_;
    forward(line, Step::recipient, path->address);
}

void LmtpBridgeConnection::handle_data() {
    if (!in_transaction_) return reply_locally(503, "5.5.1 Error: need MAIL command");
    if (forwarded_recipients_ == 0) {
        // The customer saw MAIL but no recipient: leave it clean.
        if (transaction_) forward("RSET", Step::silent_reset);
        reply_locally(554, "5.5.1 Error: no valid recipients");
        return;
    }
    forward("DATA", Step::data);
}

void LmtpBridgeConnection::handle_reset() {
    if (!transaction_) {
        in_transaction_ = false;
        return reply_locally(250, "2.0.0 Ok");
    }
    forward("RSET", Step::reset);
}

void LmtpBridgeConnection::reply_locally(int code, std::string_view text) {
    pending_.push_back(PendingReply{Step::local, make_reply(code, text), {}});
}

void LmtpBridgeConnection::forward(std::string_view line, Step step, std::string recipient) {
    if (customer_lost_ || !transaction_) {
        pending_.push_back(PendingReply{Step::local, make_reply(451, "4.4.2 Lost connection with the customer"), {}});
        return;
    }
    transaction_->customer().send_line(line);
    pending_.push_back(PendingReply{step, {}, std::move(recipient)});

    // Without PIPELINING at the customer, each command waits for its reply.
    if (!session_->capabilities().has("PIPELINING")) resolve_pending();
}

std::optional<Reply> LmtpBridgeConnection::read_customer_reply(Seconds timeout) {
    if (customer_lost_ || !transaction_) return std::nullopt;
    try {
        return transaction_->customer().read_reply(Deadline::after(timeout));
    } catch (const IoError& error) {
        customer_failed(error.what());
        return std::nullopt;
    }
}

void LmtpBridgeConnection::customer_failed(const std::string& reason) {
    customer_lost_ = true;
    session_->mark_broken(reason);
    log::warning(concat("lost connection with customer ", session_->identity().relay, ": ", reason));
}

void LmtpBridgeConnection::resolve_pending() {
    while (!pending_.empty()) {
        PendingReply item = std::move(pending_.front());
        pending_.pop_front();
        const Reply lost = make_reply(451, "4.4.2 Lost connection with the customer");

        switch (item.step) {
        case Step::local:
            lmtp_.send_reply(item.local);
            break;

        case Step::mail: {
            const auto reply = read_customer_reply(settings_.customer.command);
            lmtp_.send_reply(reply ? *reply : lost);
            // After a rejected MAIL neither side is in a transaction.
            if (!reply || !reply->positive_completion()) in_transaction_ = false;
            break;
        }

        case Step::recipient: {
            const auto reply = read_customer_reply(settings_.customer.command);
            lmtp_.send_reply(reply ? *reply : lost);
            if (reply && reply->positive_completion()) {
                accepted_.push_back(item.recipient);
            } else {
                log_attempt(item.recipient, reply ? *reply : lost);
            }
            break;
        }

        case Step::data:
            resolve_data_reply();
            break;

        case Step::reset: {
            const auto reply = read_customer_reply(settings_.customer.command);
            lmtp_.send_reply(reply ? *reply : make_reply(250, "2.0.0 Ok"));
            end_transaction();
            break;
        }

        case Step::silent_reset:
            read_customer_reply(settings_.customer.command);
            end_transaction();
            break;
        }
    }

    if (!in_transaction_ && transaction_) end_transaction();
}

void LmtpBridgeConnection::resolve_data_reply() {
    const auto reply = read_customer_reply(settings_.customer.data_start);
    if (!reply) {
        lmtp_.send_reply(451, "4.4.2 Lost connection with the customer");
        finish_recipients(make_reply(451, "4.4.2 Lost connection with the customer before the message was sent"));
        return;
    }
    if (reply->code != 354) {
        // A refused DATA leaves the customer's sender in place (Postfix's
        // smtpd answers the next MAIL with "503 nested MAIL command"), so
        // the transaction is reset before the connection is given back.
        lmtp_.send_reply(*reply);
        reset_customer();
        finish_recipients(*reply);
        return;
    }
    if (accepted_.empty()) {
        // RFC 2920 section 3.1 has the server refuse DATA when no recipient
        // was accepted. A customer that says 354 anyway would take an empty
        // message, so the connection is given up instead.
        customer_failed("the customer answered DATA with 354 although it accepted no recipient");
        lmtp_.send_reply(554, "5.5.1 Error: no valid recipients");
        end_transaction();
        return;
    }

    // From here on the customer reads message text, so no command may
    // reach it until the body has ended.
    in_body_ = true;
    lmtp_.send_reply(354, "End data with <CR><LF>.<CR><LF>");
    lmtp_.flush(Deadline::after(settings_.lmtp_timeout));
    relay_body();
}

void LmtpBridgeConnection::relay_body() {
    // The body from Postfix is already dot-stuffed and the customer expects
    // the same form, so the bytes pass through unchanged in chunks; only
    // the end of data has to be found.
    DataTerminatorScanner scanner;
    Connection& customer = transaction_->customer();
    std::string failure;
    while (true) {
        const std::string_view chunk = lmtp_.reader().peek(Deadline::after(settings_.lmtp_timeout));
        const std::size_t end = scanner.scan(chunk);
        const std::string_view part = end == DataTerminatorScanner::npos ? chunk : chunk.substr(0, end);

        if (failure.empty()) {
            try {
                customer.writer().write(part, Deadline::after(settings_.customer.data_block));
            } catch (const IoError& error) {
                failure = error.what();
            }
        }
        lmtp_.reader().consume(part.size());
        if (end != DataTerminatorScanner::npos) break;
    }
    in_body_ = false;

    std::optional<Reply> reply;
    if (failure.empty()) {
        try {
            customer.flush(Deadline::after(settings_.customer.data_block));
            reply = customer.read_reply(Deadline::after(settings_.customer.data_done));
        } catch (const IoError& error) {
            failure = error.what();
        }
    }

    if (!reply) {
        // Whether the customer kept the message is unknown: Postfix keeps it
        // queued, and the next session may deliver it a second time.
        customer_failed(failure);
        const Reply lost = make_reply(451, "4.4.2 Lost connection with the customer while sending the message; it may be delivered twice");
        for (std::size_t i = 0; i < accepted_.size(); ++i) lmtp_.send_reply(lost);
        finish_recipients(lost);
        return;
    }

    for (std::size_t i = 0; i < accepted_.size(); ++i) lmtp_.send_reply(*reply);
    if (reply->positive_completion()) session_->record_message(scanner.bytes_seen());
    finish_recipients(*reply);
}

void LmtpBridgeConnection::reset_customer() {
    if (customer_lost_ || !transaction_) return;
    try {
        const Reply reply = send_command(transaction_->customer(), "RSET", Deadline::after(settings_.customer.command));
        if (!reply.positive_completion()) customer_failed(concat("the customer rejected RSET: ", reply.summary()));
    } catch (const IoError& error) {
        customer_failed(error.what());
    }
}

void LmtpBridgeConnection::finish_recipients(const Reply& reply) {
    for (const auto& recipient : accepted_) log_attempt(recipient, reply);
    end_transaction();
}

void LmtpBridgeConnection::log_attempt(const std::string& recipient, const Reply& reply) {
    const AttemptStatus status = status_of(reply);
    session_->record_attempt(queue_id_, recipient, status);

    // Postfix's delay= is the time since the message arrived.
    double delay = std::chrono::duration<double>(Clock::now() - transaction_start_).count();
    if (const auto arrival = session_->arrival_time(queue_id_)) {
        delay = static_cast<double>(std::time(nullptr) - *arrival);
    }
    char delay_text[32];
    std::snprintf(delay_text, sizeof delay_text, "%.2g", delay);

    const SessionIdentity& identity = session_->identity();
    log::info(concat(queue_id_.empty() ? "NOQUEUE" : queue_id_, ": to=<", printable(recipient, 200),
                     ">, domain=", printable(domain_of(recipient), 100), ", relay=", identity.relay,
                     ", session=", identity.kind, ", delay=", delay_text, ", status=", status_name(status), " (",
                     reply.summary(), ")"));
}

void LmtpBridgeConnection::end_transaction() {
    in_transaction_ = false;
    forwarded_recipients_ = 0;
    accepted_.clear();
    queue_id_.clear();
    if (transaction_) transaction_->end();
    transaction_.reset();
}

void LmtpBridgeConnection::abandon_transaction() {
    if (!transaction_) return;

    // Postfix went away mid-transaction. When every forwarded command has
    // its reply, a RSET leaves the customer clean. Otherwise replies are
    // still due, or the customer is inside DATA where any byte would become
    // part of the message; then the connection is given up, and the
    // customer discards the partial message when it closes.
    bool replies_due = in_body_;
    for (const auto& item : pending_) replies_due = replies_due || item.step != Step::local;

    if (replies_due) {
        session_->mark_broken("Postfix disconnected in the middle of a mail transaction");
    } else if (!customer_lost_) {
        try {
            send_command(transaction_->customer(), "RSET", Deadline::after(settings_.customer.command));
        } catch (const IoError& error) {
            session_->mark_broken(error.what());
        }
    }
    end_transaction();
}

}  // namespace odmr

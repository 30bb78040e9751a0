// One LMTP connection from Postfix's lmtp client on a bridge socket,
// carried onto the customer connection of the session that owns the
// socket's domain.
//
// Postfix pipelines MAIL, RCPT and DATA; the bridge forwards each command
// to the customer (pipelined when the customer offers PIPELINING) and
// answers Postfix with the customer's own replies, in order. The reply to
// the end of data becomes one LMTP reply per recipient the customer
// accepted (RFC 2033 section 4.2), so Postfix removes a recipient from its
// queue only after the customer's MTA answered 250 for it.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "plugin/odmrd/customer_session.hpp"
#include "plugin/odmrd/daemon_settings.hpp"
#include "smtp/command.hpp"
#include "smtp/connection.hpp"

namespace odmr {

struct BridgeSettings {
    std::string hostname;
    Seconds lmtp_timeout{300};
    CustomerTimeouts customer;
};

class LmtpBridgeConnection {
public:
    LmtpBridgeConnection(int fd, std::shared_ptr<CustomerSession> session, BridgeSettings settings);

    // Serves Postfix until it quits or disconnects. Never throws.
    void run();

private:
    // The source of the next reply to Postfix: made here, or the customer's
    // reply to a forwarded command.
    enum class Step { local, mail, recipient, data, reset, silent_reset };
    struct PendingReply {
        Step step;
        Reply local;
        std::string recipient;
    };

    void serve();
    void handle(const Command& command, std::string_view line);
    void handle_lhlo();
    void handle_xforward(const std::string& argument);
    void handle_mail(const Command& command, std::string_view line);
    void handle_recipient(const Command& command, std::string_view line);
    void handle_data();
    void handle_reset();

    void reply_locally(int code, std::string_view text);
    void forward(std::string_view line, Step step, std::string recipient = {});
    void resolve_pending();
    void resolve_data_reply();
    void relay_body();
    void finish_recipients(const Reply& reply);
    // Ends an unfinished transaction at the customer with RSET.
    void reset_customer();
    std::optional<Reply> read_customer_reply(Seconds timeout);
    void customer_failed(const std::string& reason);
    void log_attempt(const std::string& recipient, const Reply& reply);
    void end_transaction();
    void abandon_transaction();

    Connection lmtp_;
    std::shared_ptr<CustomerSession> session_;
    BridgeSettings settings_;

    std::optional<CustomerSession::Transaction> transaction_;
    std::deque<PendingReply> pending_;
    std::string queue_id_;                // from XFORWARD IDENT
    bool in_transaction_ = false;         // MAIL seen and not yet finished
    bool customer_lost_ = false;          // the customer failed during this transaction
    bool in_body_ = false;                // relaying a message body
    std::size_t forwarded_recipients_ = 0;
    std::vector<std::string> accepted_;   // recipients the customer accepted
    Clock::time_point transaction_start_;
};

}  // namespace odmr

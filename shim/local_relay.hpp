// The customer's side of a turned-around ATRN session (RFC 2645): towards
// the provider this host is now the SMTP server, towards the local MTA it
// is the client, and each command and reply passes through line by line.
//
// Every reply the provider receives to MAIL, RCPT and the end of a message
// is the local MTA's own, so nothing is acknowledged that the local MTA has
// not accepted. Message bodies, which the provider already dot-stuffed,
// pass through unchanged in chunks. Pipelined commands are forwarded as
// they come, and the replies go back together once the provider waits.
//
// The relay replies on its own only where it must. Commands that act on
// the connection rather than on mail (STARTTLS, AUTH, XCLIENT, BDAT...) get
// 502, and the EHLO reply keeps only the extensions that pass through a
// line relay.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "shim/jobs_table.hpp"
#include "smtp/command.hpp"
#include "smtp/connection.hpp"

namespace odmr {

// The provider's identity, for XCLIENT and the log.
struct ProviderIdentity {
    std::string name;     // the provider's host name as the job names it, or "" for an address
    std::string address;  // its address on the connection
    std::uint16_t port = 0;
    std::string relay_name;  // "name[address]:port"
};

struct RelaySummary {
    std::uint64_t messages = 0;  // messages the local MTA accepted
    std::uint64_t refused = 0;   // messages or recipients it refused
    std::uint64_t bytes = 0;     // body bytes of the accepted messages, as relayed
    bool completed = false;      // the provider ended with QUIT
    std::string end_reason;
};

class LocalRelay {
public:
    // provider is the connection on which the provider just replied 250 to
    // ATRN.
    LocalRelay(Connection& provider, const Job& job, ProviderIdentity identity, Deadline session_deadline,
               const std::atomic<bool>& stopping);
    ~LocalRelay();

    // Runs the session until the provider quits, a side fails, a timeout
    // passes or a stop is requested. Never throws.
    RelaySummary run();

private:
    enum class Step { local, hello, mail, recipient, data, reset, silent_reset, plain };

    struct Pending {
        Step step;
        Reply local;         // for Step::local: the relay's own reply
        std::string detail;  // the verb for hello, the address for recipient
    };

    void connect_local();
    Reply introduce_provider(const Reply& greeting);
    void serve();
    bool wait_for_provider();
    void handle_line(const Line& line);

    void handle_hello(const Command& command);
    void handle_mail(const Command& command, std::string_view line);
    void handle_recipient(const Command& command, std::string_view line);
    void handle_data();
    void handle_quit();

    void forward(std::string_view line, Step step, std::string detail = {});
    void reply_locally(int code, std::string_view text);
    void resolve_pending();
    void resolve(const Pending& item);
    Reply filter_hello_reply(const Reply& reply, const std::string& verb);
    void relay_body();
    Reply read_final_replies();

    void log_message(const Reply& reply, std::uint64_t size);
    void log_refused_recipient(const std::string& recipient, const Reply& reply);
    void end_transaction();
    void end_session(const std::string& reason, bool completed);
    void shut_down(int code, const std::string& text, const std::string& reason);
    void quit_local();

    Reply read_local_reply(Seconds timeout);
    Deadline provider_deadline() const;
    Deadline local_deadline(Seconds timeout) const;
    std::string sender_text() const;

    Connection& provider_;
    const Job& job_;
    ProviderIdentity identity_;
    Deadline session_deadline_;
    const std::atomic<bool>& stopping_;

    std::unique_ptr<Connection> local_;
    bool local_lost_ = false;
    bool local_pipelining_ = false;
    std::deque<Pending> pending_;

    bool in_transaction_ = false;  // MAIL accepted, or sent and not yet refused
    bool local_transaction_open_ = false;  // the local MTA keeps a sender that no RSET or message end cleared
    bool body_next_ = false;       // the local MTA replied 354 to DATA
    bool in_body_ = false;         // message text is passing through
    std::string sender_;
    int recipients_accepted_ = 0;
    int errors_ = 0;

    bool ended_ = false;
    RelaySummary summary_;
};

}  // namespace odmr

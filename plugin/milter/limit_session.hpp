// The milter's handlers for one SMTP connection (or one non-SMTP
// submission): per-domain limits on held mail for recipients in queue
// domains, and a pointer to the ODMR port for ATRN sent to the MTA.
//
//   RCPT, domain at max_messages or max_bytes        452 4.2.2, this recipient only
//   RCPT, domain with limits before the first listing 451 4.3.0, this recipient only
//   RCPT, SIZE= above the domain's max_message_size   552 5.3.4, this recipient only
//   end of message above a domain's max_message_size  552 5.3.4
//   ATRN                                              502 5.5.1 naming the ODMR port
//   ETRN with a password (see below)                  502 5.5.1 naming odmrd's ETRN port
//
// A message reply covers every recipient, so a transaction without SIZE=
// takes only recipients that share one max_message_size: the first
// recipient sets it, and a recipient with another limit gets 452 4.5.3
// and comes back in a transaction of its own (RFC 5321 section 4.5.3.1.10).
// So without SIZE= a 552 at the end of the message hits only recipients
// whose domain limit the message exceeds.
//
// A local submission (Postfix's non_smtpd_milters, {daemon_port} 0) has no
// per-recipient replies: Postfix defers the whole message when a milter
// rejects one recipient, and logs that as a configuration error. So there
// the first rejection is kept and becomes the reply to the whole message at
// its end: a 452 leaves it in the maildrop queue for a later try, a 552
// bounces it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/milter/held_mail_accounting.hpp"
#include "plugin/milter/milter_context.hpp"
#include "plugin/tables/queue_domain_table.hpp"

namespace odmr {

// The verb that conf-examples/postfix/odmr_command_filter puts in place of
// "ETRN domain password". Postfix handles ETRN itself and never passes it
// to a milter, but it passes the verb of an unknown command on.
// NOTE: without that filter ETRN with a password gets Postfix's own "500
// Syntax: ETRN domain", and with it Postfix 3.7 logs the whole original
// line, password included ("replacing command ..."), so it is opt-in.
inline constexpr std::string_view etrn_with_password_verb = "XODMR-ETRN-PASSWORD";

struct LimitPolicy {
    std::shared_ptr<const QueueDomainTable> queue_domains;
    std::uint16_t odmr_port = 366;  // named in the reply to ATRN
    std::uint16_t etrn_port = 0;    // odmrd's own ETRN port, named in the reply to ETRN with a password; 0 for none
};

class LimitSession {
public:
    LimitSession(LimitPolicy policy, HeldMailAccounting& accounting);
    ~LimitSession();
    LimitSession(const LimitSession&) = delete;
    LimitSession& operator=(const LimitSession&) = delete;

    // arguments[0] is the address in angle brackets, the rest are ESMTP
    // parameters ("SIZE=12345"), as libmilter passes them.
    MilterStatus mail(MilterContext& context, const std::vector<std::string>& arguments);
    MilterStatus recipient(MilterContext& context, const std::vector<std::string>& arguments);

    // Add up the message size as the MTA passes the message on.
    void header(std::string_view name, std::string_view value);
    void end_of_headers();
    void body(std::size_t length);

    MilterStatus end_of_message(MilterContext& context);

    // RSET, or a transaction the MTA ended on its own.
    void abort();

    // command is the verb (Postfix) or the whole line (Sendmail).
    MilterStatus unknown_command(MilterContext& context, std::string_view command);

private:
    struct Rejection {
        std::string code;
        std::string enhanced;
        std::string text;
        std::string log_detail;
    };

    struct Transaction {
        std::optional<std::uint64_t> declared_size;  // SIZE= of MAIL FROM
        std::map<std::string, std::uint64_t> reservations;  // domain: the size reserved for it
        std::map<std::string, std::uint64_t> size_limits;   // accepted domains with a max_message_size
        std::optional<std::uint64_t> shared_size_limit;     // without SIZE=: the limit every recipient shares
        std::uint64_t size = 0;                             // headers and body so far, in bytes
        bool local_submission = false;
        std::optional<Rejection> rejection;  // a local submission's first rejected recipient
    };

    MilterStatus check_recipient(MilterContext& context, const std::string& address, const std::string& domain);
    MilterStatus reject(MilterContext& context, const Rejection& rejection);
    MilterStatus reject_recipient(MilterContext& context, Rejection rejection);
    void end_transaction();
    std::string queue_id(MilterContext& context) const;

    LimitPolicy policy_;
    HeldMailAccounting& accounting_;
    Transaction transaction_;
};

// The lower-case domain of a recipient as libmilter passes it
// ("<user@Example.COM>"), without a trailing dot; "" when there is none.
std::string recipient_domain(std::string_view address);

// The value of SIZE= among the ESMTP parameters of MAIL FROM, if valid.
std::optional<std::uint64_t> declared_size(const std::vector<std::string>& arguments);

}  // namespace odmr

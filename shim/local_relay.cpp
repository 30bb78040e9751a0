#include "shim/local_relay.hpp"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "smtp/command.hpp"
#include "smtp/data_terminator.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// Command lines of 512 octets (RFC 5321 section 4.5.3.1.4) plus ESMTP
// parameters fit well within this; message bodies do not pass through
// line reads.
constexpr std::size_t max_line_length = 4096;

// Protocol errors from the provider after which the session ends with 421.
constexpr int max_errors = 10;

// The EHLO extensions that pass through a line relay unchanged. The rest
// either act on the connection (STARTTLS, AUTH, XCLIENT, XFORWARD), need
// binary chunks (CHUNKING, BINARYMIME) or are not mail (ETRN, VRFY).
const std::set<std::string> relayed_extensions{"PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "DSN",
                                               "ENHANCEDSTATUSCODES"};

const std::set<std::string> refused_verbs{"STARTTLS", "AUTH", "XCLIENT", "XFORWARD", "BDAT", "ATRN",
                                          "ETRN",     "TURN", "VRFY",    "EXPN",     "HELP"};

// The local MTA failed; the session cannot go on.
class LocalMtaLost : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Encodes an XCLIENT attribute value as xtext (RFC 3461 section 4).
std::string xtext(std::string_view value) {
    static const char hex[] = "0123456789ABCDEF";
    std::string result;
    for (const unsigned char c : value) {
        if (c < 33 || c > 126 || c == '+' || c == '=') {
            result += '+';
            result += hex[c >> 4];
            result += hex[c & 15];
        } else {
            result += static_cast<char>(c);
        }
    }
    return result;
}

// The queue id in a reply such as "250 2.0.0 Ok: queued as 4F2A1C".
std::string queue_id_of(const Reply& reply) {
    for (const auto& line : reply.lines) {
        const auto marker = line.find("queued as ");
        if (marker == std::string::npos) continue;

        std::string id;
        for (std::size_t i = marker + 10; i < line.size(); ++i) {
            const char c = line[i];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) break;
            id += c;
        }
        if (!id.empty() && id.size() <= 64) return id;
    }
    return "NOQUEUE";
}

const char* status_of(const Reply& reply) {
    if (reply.positive_completion()) return "sent";
    if (reply.transient_failure()) return "deferred";
    return "rejected";
}

}  // namespace

LocalRelay::LocalRelay(Connection& provider, const Job& job, ProviderIdentity identity, Deadline session_deadline,
                       const std::atomic<bool>& stopping)
    : provider_(provider),
      job_(job),
      identity_(std::move(identity)),
      session_deadline_(session_deadline),
      stopping_(stopping) {}

LocalRelay::~LocalRelay() = default;

Deadline LocalRelay::provider_deadline() const {
    return Deadline::earliest(Deadline::after(job_.options.command_timeout), session_deadline_);
}

Deadline LocalRelay::local_deadline(Seconds timeout) const {
    return Deadline::earliest(Deadline::after(timeout), session_deadline_);
}

Reply LocalRelay::read_local_reply(Seconds timeout) {
    try {
        return local_->read_reply(local_deadline(timeout));
    } catch (const IoError& error) {
        throw LocalMtaLost(error.what());
    }
}

std::string LocalRelay::sender_text() const { return printable(sender_, 200); }

RelaySummary LocalRelay::run() {
    const auto started = Clock::now();
    log::info(concat(job_.name, ": session start: provider=", identity_.relay_name,
                     " relay=", job_.options.relay.describe()));
    try {
        connect_local();
        const Reply greeting = read_local_reply(job_.options.relay_timeout);
        if (greeting.code != 220) {
            provider_.send_reply(greeting);
            provider_.flush(provider_deadline());
            end_session(concat("the local MTA refused the session: ", greeting.summary()), false);
        } else {
            provider_.send_reply(introduce_provider(greeting));
            serve();
        }
    } catch (const LocalMtaLost& error) {
        local_lost_ = true;
        shut_down(421, concat("4.4.2 ", job_.options.helo_name, " Error: lost connection with the local mail server; try again later"),
                  concat("lost the local MTA: ", error.what()));
    } catch (const IoError& error) {
        if (error.kind() == IoError::Kind::timeout) {
            shut_down(421, concat("4.4.2 ", job_.options.helo_name, " Error: timeout exceeded"),
                      concat("timeout: ", error.what()));
        } else {
            quit_local();
            end_session(concat("lost the provider: ", error.what()), false);
        }
    } catch (const std::exception& error) {
        log::error(concat(job_.name, ": relay failed: ", error.what()));
        shut_down(421, concat("4.3.0 ", job_.options.helo_name, " Error: local error; try again later"),
                  concat("local error: ", error.what()));
    }

    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", seconds);
    log::info(concat(job_.name, ": session end: provider=", identity_.relay_name, " relay=",
                     job_.options.relay.describe(), " messages=", summary_.messages, " refused=", summary_.refused,
                     " bytes=", summary_.bytes, " duration=", duration, "s reason=", summary_.end_reason));
    return summary_;
}

void LocalRelay::connect_local() {
    const RelayTarget& relay = job_.options.relay;
    const Deadline deadline = local_deadline(job_.options.connect_timeout);
    int fd = -1;
    try {
        fd = relay.socket_path.empty() ? connect_tcp(relay.host, relay.port, deadline)
                                       : connect_unix(relay.socket_path, deadline);
    } catch (const IoError& error) {
        throw LocalMtaLost(error.what());
    }
    local_ = std::make_unique<Connection>(std::make_unique<FdStream>(fd), max_line_length);
}

Reply LocalRelay::introduce_provider(const Reply& greeting) {
    // Postfix has no LMTP server, and XCLIENT is a Postfix SMTP extension.
    if (!job_.options.xclient || job_.options.relay.protocol == RelayProtocol::lmtp) return greeting;

    Greeting hello;
    try {
        hello = send_ehlo(*local_, job_.options.helo_name, local_deadline(job_.options.relay_timeout));
    } catch (const IoError& error) {
        throw LocalMtaLost(error.what());
    }
    local_pipelining_ = hello.capabilities.has("PIPELINING");
    if (!hello.extended || !hello.capabilities.has("XCLIENT")) {
        log::debug(concat(job_.name, ": the local MTA does not offer XCLIENT to this host; it sees this host as the client"));
        return greeting;
    }

    // Only the attributes the server lists; Postfix lists every one it has.
    const std::string listed = hello.capabilities.parameters("XCLIENT");
    std::set<std::string> supported;
    for (const auto word : split_words(listed)) supported.insert(to_upper(word));
    const bool ipv6 = identity_.address.find(':') != std::string::npos;
    std::string command = "XCLIENT";
    if (supported.count("ADDR")) command += " ADDR=" + xtext((ipv6 ? "IPv6:" : "") + identity_.address);
    if (supported.count("PORT")) command += concat(" PORT=", identity_.port);
    if (supported.count("NAME")) command += " NAME=" + (identity_.name.empty() ? "[UNAVAILABLE]" : xtext(identity_.name));
    if (supported.count("PROTO")) command += " PROTO=ESMTP";

    // A successful XCLIENT starts a fresh session with a new 220 greeting,
    // which goes to the provider in place of the first.
    const Reply reply = [&] {
        try {
            return send_command(*local_, command, local_deadline(job_.options.relay_timeout));
        } catch (const IoError& error) {
            throw LocalMtaLost(error.what());
        }
    }();
    if (reply.code == 220) {
        log::info(concat(job_.name, ": XCLIENT set the local MTA's client to ", identity_.relay_name));
        return reply;
    }
    log::warning(concat(job_.name, ": the local MTA rejected XCLIENT (", reply.summary(),
                        "); its restrictions see this host instead of the provider"));
    return greeting;
}

void LocalRelay::serve() {
    while (!ended_) {
        // Pipelined commands go on to the local MTA as they come; once the
        // provider waits, the replies go back together.
        const bool provider_waits = !provider_.reader().has_buffered_line();
        if (provider_waits) resolve_pending();
        if (ended_) return;

        if (stopping_ && !in_transaction_ && pending_.empty()) {
            shut_down(421, concat("4.3.2 ", job_.options.helo_name, " Service shutting down; the remaining mail stays with you"),
                      "stopped on request");
            return;
        }
        if (provider_waits && !wait_for_provider()) continue;

        handle_line(provider_.read_line(provider_deadline()));
    }
}

bool LocalRelay::wait_for_provider() {
    const Deadline idle = provider_deadline();
    provider_.flush(idle);

    // Waiting in short slices lets a stop request end an idle session
    // without waiting for the provider's timeout.
    while (true) {
        if (provider_.reader().input_pending()) return true;
        if (stopping_ && !in_transaction_) return false;
        if (idle.expired()) throw IoError(IoError::Kind::timeout, "the provider sent no command in time");

        pollfd entry{provider_.stream().input_fd(), POLLIN, 0};
        const Deadline slice = Deadline::earliest(idle, Deadline::after(Milliseconds(500)));
        if (poll(&entry, 1, slice.poll_timeout()) > 0) return true;
    }
}

void LocalRelay::handle_line(const Line& line) {
    if (line.too_long) {
        reply_locally(500, "5.5.2 Error: line too long");
        return;
    }

    const Command command = parse_command(line.text);
    log::debug(concat(job_.name, ": provider: ", printable(line.text)));

    if (command.verb == "EHLO" || command.verb == "HELO") return handle_hello(command);
    if (command.verb == "MAIL") return handle_mail(command, line.text);
    if (command.verb == "RCPT") return handle_recipient(command, line.text);
    if (command.verb == "DATA") return handle_data();
    if (command.verb == "RSET") return forward(line.text, Step::reset);
    if (command.verb == "NOOP") return forward(line.text, Step::plain);
    if (command.verb == "QUIT") return handle_quit();

    if (refused_verbs.count(command.verb) > 0) {
        return reply_locally(502, "5.5.1 Error: command not available on a turned-around ATRN session");
    }
    reply_locally(500, "5.5.2 Error: command not recognized");
}

void LocalRelay::handle_hello(const Command& command) {
    if (command.argument.empty()) return reply_locally(501, concat("5.5.4 Syntax: ", command.verb, " hostname"));

    // LMTP has LHLO in place of EHLO and HELO (RFC 2033 section 4.1).
    const bool lmtp = job_.options.relay.protocol == RelayProtocol::lmtp;
    forward(concat(lmtp ? "LHLO" : command.verb, " ", command.argument), Step::hello, command.verb);
}

void LocalRelay::handle_mail(const Command& command, std::string_view line) {
    // A DATA refused for want of recipients leaves the sender set at the
    // local MTA (RFC 5321 section 3.3), and a provider that sends MAIL
    // without RSET would get "503 nested MAIL command". The relay resets
    // the local MTA first, so the new transaction starts clean.
    if (local_transaction_open_) forward("RSET", Step::silent_reset);

    const auto path = parse_mail_path(command.argument, "FROM:");
    sender_ = path ? path->address : command.argument;
    in_transaction_ = true;
    recipients_accepted_ = 0;
    forward(line, Step::mail);
}

void LocalRelay::handle_recipient(const Command& command, std::string_view line) {
    // An LMTP server replies to the end of a message once per recipient,
    // but the provider expects one reply. With one recipient per
    // transaction that reply is exact, and the provider sends the others
    // again later (RFC 5321 section 4.5.3.1.10).
    const auto path = parse_mail_path(command.argument, "TO:");
    const std::string recipient = path ? path->address : command.argument;
    if (job_.options.relay.protocol == RelayProtocol::lmtp && recipients_accepted_ >= 1) {
        const Reply limit = make_reply(452, "4.5.3 Error: too many recipients; this relay passes one recipient per LMTP transaction");
        log_refused_recipient(recipient, limit);
        return reply_locally(limit.code, limit.lines.front());
    }

    forward(line, Step::recipient, recipient);
}

void LocalRelay::handle_data() {
    forward("DATA", Step::data);

    // The provider waits for 354 before it sends the body (RFC 2920
    // section 3.1), so every reply up to DATA's goes back now.
    resolve_pending();
    if (ended_ || !body_next_) return;
    body_next_ = false;
    relay_body();
}

void LocalRelay::handle_quit() {
    resolve_pending();
    if (ended_) return;

    Reply reply = make_reply(221, "2.0.0 Bye");
    if (!local_lost_) {
        try {
            const Reply local = send_command(*local_, "QUIT", local_deadline(job_.options.command_timeout));
            if (local.code == 221) reply = local;
        } catch (const IoError& error) {
            log::debug(concat(job_.name, ": QUIT to the local MTA failed: ", error.what()));
        }
    }
    local_.reset();
    provider_.send_reply(reply);
    provider_.flush(provider_deadline());
    end_session("the provider sent QUIT", true);
}

void LocalRelay::forward(std::string_view line, Step step, std::string detail) {
    local_->send_line(line);
    pending_.push_back(Pending{step, {}, std::move(detail)});

    // Without PIPELINING at the local MTA every command waits for its
    // reply; over LMTP so does RCPT, for the one-recipient rule.
    const bool lmtp_recipient = step == Step::recipient && job_.options.relay.protocol == RelayProtocol::lmtp;
    if (!local_pipelining_ || lmtp_recipient) resolve_pending();
}

void LocalRelay::reply_locally(int code, std::string_view text) {
    pending_.push_back(Pending{Step::local, make_reply(code, text), {}});

    if (code >= 500 && ++errors_ >= max_errors) {
        resolve_pending();
        shut_down(421, concat("4.7.0 ", job_.options.helo_name, " Error: too many errors"),
                  "too many protocol errors from the provider");
    }
}

void LocalRelay::resolve_pending() {
    while (!pending_.empty() && !ended_) {
        const Pending item = std::move(pending_.front());
        pending_.pop_front();
        resolve(item);
    }
    pending_.clear();
}

void LocalRelay::resolve(const Pending& item) {
    if (item.step == Step::local) {
        provider_.send_reply(item.local);
        return;
    }

    const Reply reply = read_local_reply(job_.options.relay_timeout);
    switch (item.step) {
    case Step::hello:
        provider_.send_reply(filter_hello_reply(reply, item.detail));
        if (reply.positive_completion()) {
            end_transaction();
            local_transaction_open_ = false;
        }
        break;

    case Step::mail:
        provider_.send_reply(reply);
        local_transaction_open_ = reply.positive_completion();
        if (!reply.positive_completion()) end_transaction();
        break;

    case Step::recipient:
        provider_.send_reply(reply);
        if (reply.positive_completion()) {
            ++recipients_accepted_;
        } else {
            log_refused_recipient(item.detail, reply);
        }
        break;

    case Step::data:
        if (reply.code == 354 && recipients_accepted_ == 0 && job_.options.relay.protocol == RelayProtocol::lmtp) {
            // RFC 2033 section 4.2: without a recipient an LMTP server must
            // refuse DATA; this one would owe no reply after the body.
            throw LocalMtaLost("the local LMTP server replied 354 to DATA although it accepted no recipient");
        }
        provider_.send_reply(reply);
        // A DATA refused after every recipient was refused needs no line
        // of its own: each recipient's refusal is logged already.
        if (reply.code == 354) {
            body_next_ = true;
        } else {
            if (recipients_accepted_ > 0) log_message(reply, 0);
            end_transaction();
        }
        break;

    case Step::reset:
        provider_.send_reply(reply);
        end_transaction();
        local_transaction_open_ = false;
        break;

    case Step::silent_reset:
        local_transaction_open_ = false;
        break;

    case Step::plain:
    case Step::local:
        provider_.send_reply(reply);
        break;
    }

    // 421: the local MTA is closing, and the provider has that reply too.
    if (reply.code == 421) {
        local_lost_ = true;
        provider_.flush(provider_deadline());
        end_session(concat("the local MTA closed the session: ", reply.summary()), false);
    }
}

Reply LocalRelay::filter_hello_reply(const Reply& reply, const std::string& verb) {
    if (!reply.positive_completion() || reply.lines.empty()) return reply;

    const Capabilities capabilities = Capabilities::from_ehlo_reply(reply);
    local_pipelining_ = capabilities.has("PIPELINING");
    if (verb == "HELO") return make_reply(reply.code, reply.lines.front());

    Reply filtered;
    filtered.code = reply.code;
    filtered.lines.push_back(reply.lines.front());
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string_view line = trim(reply.lines[i]);
        if (relayed_extensions.count(to_upper(line.substr(0, line.find(' ')))) > 0) filtered.lines.emplace_back(line);
    }
    return filtered;
}

void LocalRelay::relay_body() {
    const Deadline provider_wait = provider_deadline();
    provider_.flush(provider_wait);

    // The body is already dot-stuffed and the local MTA expects the same
    // form, so the bytes pass through in chunks; only the end is found.
    DataTerminatorScanner scanner;
    std::string failure;
    in_body_ = true;
    while (true) {
        const std::string_view chunk = provider_.reader().peek(provider_deadline());
        const std::size_t end = scanner.scan(chunk);
        const std::string_view part = end == DataTerminatorScanner::npos ? chunk : chunk.substr(0, end);

        if (failure.empty()) {
            try {
                local_->writer().write(part, local_deadline(job_.options.relay_timeout));
            } catch (const IoError& error) {
                failure = error.what();
            }
        }
        provider_.reader().consume(part.size());
        if (end != DataTerminatorScanner::npos) break;
    }
    in_body_ = false;

    Reply reply;
    if (failure.empty()) {
        try {
            local_->flush(local_deadline(job_.options.relay_timeout));
            reply = read_final_replies();
        } catch (const LocalMtaLost& error) {
            failure = error.what();
        } catch (const IoError& error) {
            failure = error.what();
        }
    }

    if (!failure.empty()) {
        // Whether the local MTA kept the message is unknown; the provider
        // keeps it and may deliver it a second time.
        local_lost_ = true;
        const Reply lost = make_reply(451, "4.4.2 Error: lost connection with the local mail server during the message; it may not have been delivered");
        provider_.send_reply(lost);
        log_message(lost, scanner.bytes_seen());
        throw LocalMtaLost(failure);
    }

    // Whatever its reply, the end of the message ends the transaction.
    local_transaction_open_ = false;
    provider_.send_reply(reply);
    log_message(reply, scanner.bytes_seen());
    if (reply.positive_completion()) {
        ++summary_.messages;
        summary_.bytes += scanner.bytes_seen();
    }
    end_transaction();

    if (reply.code == 421) {
        local_lost_ = true;
        end_session(concat("the local MTA closed the session: ", reply.summary()), false);
    }
}

Reply LocalRelay::read_final_replies() {
    if (job_.options.relay.protocol == RelayProtocol::smtp) return read_local_reply(job_.options.relay_timeout);

    // LMTP: one reply per accepted recipient (RFC 2033 section 4.2); the
    // first that is not a success decides what the provider hears.
    Reply decisive;
    for (int i = 0; i < recipients_accepted_; ++i) {
        const Reply reply = read_local_reply(job_.options.relay_timeout);
        if (i == 0 || (decisive.positive_completion() && !reply.positive_completion())) decisive = reply;
    }
    return decisive;
}

void LocalRelay::log_message(const Reply& reply, std::uint64_t size) {
    if (!reply.positive_completion()) ++summary_.refused;
    const auto line = concat(job_.name, ": ", queue_id_of(reply), ": from=<", sender_text(),
                             ">, nrcpt=", recipients_accepted_, ", size=", size,
                             ", relay=", job_.options.relay.describe(), ", status=", status_of(reply), " (",
                             reply.summary(), ")");
    if (reply.positive_completion()) log::info(line);
    else log::warning(line);
}

void LocalRelay::log_refused_recipient(const std::string& recipient, const Reply& reply) {
    ++summary_.refused;
    log::warning(concat(job_.name, ": NOQUEUE: from=<", sender_text(), ">, to=<", printable(recipient, 200),
                        ">, relay=", job_.options.relay.describe(), ", status=", status_of(reply), " (",
                        reply.summary(), ")"));
}

void LocalRelay::end_transaction() {
    in_transaction_ = false;
    sender_.clear();
    recipients_accepted_ = 0;
}

void LocalRelay::end_session(const std::string& reason, bool completed) {
    ended_ = true;
    summary_.end_reason = reason;
    summary_.completed = completed;
}

void LocalRelay::shut_down(int code, const std::string& text, const std::string& reason) {
    try {
        provider_.send_reply(code, text);
        provider_.flush(Deadline::after(Seconds(10)));
    } catch (const IoError& error) {
        log::debug(concat(job_.name, ": cannot send ", code, " to the provider: ", error.what()));
    }
    quit_local();
    end_session(reason, false);
}

void LocalRelay::quit_local() {
    // Inside a message QUIT would become message text; closing the
    // connection makes the local MTA discard the partial message instead.
    if (local_ && !local_lost_ && !in_body_) {
        try {
            send_command(*local_, "QUIT", Deadline::after(Seconds(10)));
        } catch (const IoError& error) {
            log::debug(concat(job_.name, ": QUIT to the local MTA failed: ", error.what()));
        }
    }
    local_.reset();
}

}  // namespace odmr

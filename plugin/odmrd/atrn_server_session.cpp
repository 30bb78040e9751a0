#include "plugin/odmrd/atrn_server_session.hpp"

#include <chrono>
#include <thread>

#include "plugin/odmrd/atrn_request.hpp"
#include "plugin/odmrd/bridge_paths.hpp"
#include "smtp/base64.hpp"
#include "smtp/domain.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/sasl.hpp"
#include "smtp/text.hpp"

namespace odmr {

AtrnServerSession::AtrnServerSession(std::unique_ptr<Stream> stream, std::string client_address,
                                     std::uint16_t client_port, const ServerContext& context)
    : connection_(std::move(stream), max_sasl_line_length),
      client_address_(std::move(client_address)),
      client_port_(client_port),
      context_(context),
      setup_deadline_(Deadline::after(context.settings.setup_timeout)) {}

std::string AtrnServerSession::client() const { return concat("[", client_address_, "]:", client_port_); }

Deadline AtrnServerSession::command_deadline() const {
    return Deadline::earliest(Deadline::after(context_.settings.command_timeout), setup_deadline_);
}

void AtrnServerSession::run() {
    log::info(concat("connect from ", client()));
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
        log::info(concat("disconnect from ", client(), ": ", error.what()));
        return;
    } catch (const std::exception& error) {
        log::error(concat("session with ", client(), " failed: ", error.what()));
        return;
    }
    log::info(concat("disconnect from ", client()));
}

void AtrnServerSession::reject(int code, std::string_view text) {
    // The error that reaches the limit is answered with 421 alone, so the
    // client sees why the connection ends.
    if (++errors_ < context_.settings.max_errors) {
        reply(code, text);
        return;
    }
    log::warning(concat("too many errors from ", client(), ": disconnecting"));
    reply(421, concat("4.7.0 ", context_.settings.hostname, " Error: too many errors"));
    done_ = true;
}

void AtrnServerSession::serve() {
    reply(220, concat(context_.settings.hostname, " ESMTP on-demand mail relay (odmrd)"));

    while (!done_) {
        const Line line = connection_.read_line(command_deadline());
        if (line.too_long) {
            reject(500, "5.5.2 Error: line too long");
            continue;
        }

        const Command command = parse_command(line.text);
        log::debug(concat(client(), ": ", command.verb == "AUTH" ? std::string("AUTH ...") : printable(line.text)));

        if (command.verb == "EHLO") handle_ehlo(command);
        else if (command.verb == "HELO") handle_helo(command);
        else if (command.verb == "STARTTLS") handle_starttls();
        else if (command.verb == "AUTH") handle_auth(command);
        else if (command.verb == "ATRN") handle_atrn(command);
        else if (command.verb == "NOOP") reply(250, "2.0.0 Ok");
        else if (command.verb == "RSET") reply(250, "2.0.0 Ok");
        else if (command.verb == "HELP") reply(214, concat("2.0.0 Commands: EHLO HELO ", starttls_offered() ? "STARTTLS " : "",
                                                            "AUTH ATRN NOOP RSET QUIT"));
        else if (command.verb == "QUIT") {
            reply(221, "2.0.0 Bye");
            done_ = true;
        } else if (command.verb == "MAIL" || command.verb == "RCPT" || command.verb == "DATA" ||
                   command.verb == "BDAT" || command.verb == "VRFY" || command.verb == "EXPN" ||
                   command.verb == "ETRN" || command.verb == "TURN") {
            reject(502, "5.5.1 Error: command not implemented on the on-demand mail relay port");
        } else {
            reject(500, "5.5.2 Error: command not recognized");
        }
    }
    connection_.flush(Deadline::after(context_.settings.command_timeout));
}

bool AtrnServerSession::starttls_offered() const {
    return context_.tls && !connection_.tls_active();
}

bool AtrnServerSession::plaintext_auth_allowed() const {
    return connection_.tls_active() || context_.settings.allow_plaintext_auth;
}

void AtrnServerSession::handle_ehlo(const Command& command) {
    if (command.argument.empty()) {
        reject(501, "5.5.4 Syntax: EHLO hostname");
        return;
    }
    helo_name_ = printable(command.argument, 100);
    extended_ = true;

    std::string text = concat(context_.settings.hostname, "\nAUTH CRAM-MD5", plaintext_auth_allowed() ? " PLAIN LOGIN" : "");
    text += "\nATRN";
    if (starttls_offered()) text += "\nSTARTTLS";
    text += "\nENHANCEDSTATUSCODES";
    reply(250, text);
}

void AtrnServerSession::handle_helo(const Command& command) {
    if (command.argument.empty()) {
        reject(501, "5.5.4 Syntax: HELO hostname");
        return;
    }
    helo_name_ = printable(command.argument, 100);
    extended_ = false;
    reply(250, context_.settings.hostname);
}

void AtrnServerSession::handle_starttls() {
    if (!context_.tls) {
        reject(502, "5.5.1 Error: STARTTLS is not offered");
        return;
    }
    if (connection_.tls_active()) {
        reject(503, "5.5.1 Error: TLS is already active");
        return;
    }

    reply(220, "2.0.0 Ready to start TLS");
    connection_.start_tls(*context_.tls, TlsStream::Role::server, {}, command_deadline());

    // RFC 3207 section 4.2: forget everything learned before TLS.
    helo_name_.clear();
    extended_ = false;
    account_ = nullptr;
    tables_.reset();
    log::info(concat("TLS established with ", client(), ": ", connection_.tls_description()));
}

std::optional<std::string> AtrnServerSession::read_sasl_response(bool& cancelled) {
    const Line line = connection_.read_line(command_deadline());
    if (line.too_long) return std::nullopt;
    if (line.text == "*") {
        cancelled = true;
        return std::nullopt;
    }
    return base64_decode(line.text);
}

std::optional<std::string> AtrnServerSession::authenticate_cram_md5(const Account*& account, std::string& login) {
    const std::string challenge = make_cram_md5_challenge(context_.settings.hostname);
    reply(334, base64_encode(challenge));

    bool cancelled = false;
    const auto answer = read_sasl_response(cancelled);
    if (cancelled) return std::string("cancelled");
    if (!answer) return std::string("invalid base64");
    const auto response = parse_cram_md5_response(*answer);
    if (!response) return std::string("malformed CRAM-MD5 response");

    login = response->login;
    account = tables_->accounts.find(response->login);
    if (account == nullptr) return concat("unknown login ", printable(response->login, 64));
    if (!account->password.supports_cram_md5()) {
        log::warning(concat("login ", account->login, " cannot use CRAM-MD5: its password scheme {",
                            account->password.scheme_name(), "} is one-way; store it as {PLAIN} or {CRAM-MD5} (",
                            account->file, ", line ", account->line, ")"));
        return concat("scheme of login ", account->login, " does not allow CRAM-MD5");
    }
    const auto expected = account->password.cram_md5_digest(challenge);
    if (!expected || !equal_in_constant_time(*expected, response->digest)) {
        return concat("wrong password for login ", account->login);
    }
    return std::nullopt;
}

std::optional<std::string> AtrnServerSession::authenticate_plain(const std::string& initial, const Account*& account,
                                                                 std::string& login) {
    std::optional<std::string> message;
    if (initial.empty()) {
        reply(334, "");
        bool cancelled = false;
        message = read_sasl_response(cancelled);
        if (cancelled) return std::string("cancelled");
    } else {
        message = base64_decode(initial);
    }
    if (!message) return std::string("invalid base64");

    const auto credentials = decode_sasl_plain(*message);
    if (!credentials) return std::string("malformed PLAIN message");
    login = credentials->login;
    account = tables_->accounts.find(credentials->login);
    if (account == nullptr) return concat("unknown login ", printable(credentials->login, 64));
    if (!account->password.verify(credentials->password)) return concat("wrong password for login ", account->login);
    return std::nullopt;
}

std::optional<std::string> AtrnServerSession::authenticate_login(const std::string& initial, const Account*& account,
                                                                 std::string& attempted_login) {
    bool cancelled = false;
    std::optional<std::string> login;
    if (initial.empty()) {
        reply(334, base64_encode("Username:"));
        login = read_sasl_response(cancelled);
        if (cancelled) return std::string("cancelled");
    } else {
        login = base64_decode(initial);
    }
    if (!login) return std::string("invalid base64");

    reply(334, base64_encode("Password:"));
    const auto password = read_sasl_response(cancelled);
    if (cancelled) return std::string("cancelled");
    if (!password) return std::string("invalid base64");

    attempted_login = *login;
    account = tables_->accounts.find(*login);
    if (account == nullptr) return concat("unknown login ", printable(*login, 64));
    if (!account->password.verify(*password)) return concat("wrong password for login ", account->login);
    return std::nullopt;
}

void AtrnServerSession::handle_auth(const Command& command) {
    if (!extended_) {
        reject(503, "5.5.1 Error: send EHLO first");
        return;
    }
    if (account_ != nullptr) {
        reject(503, "5.5.1 Error: already authenticated");
        return;
    }

    const auto words = split_words(command.argument);
    if (words.empty() || words.size() > 2) {
        reject(501, "5.5.4 Syntax: AUTH mechanism [initial-response]");
        return;
    }
    const std::string mechanism = to_upper(words[0]);
    const std::string initial = words.size() == 2 ? std::string(words[1]) : std::string();
    if (mechanism != "CRAM-MD5" && mechanism != "PLAIN" && mechanism != "LOGIN") {
        reply(504, "5.5.4 Error: unrecognized authentication mechanism; use CRAM-MD5, PLAIN or LOGIN");
        return;
    }
    if (mechanism != "CRAM-MD5" && !plaintext_auth_allowed()) {
        reject(538, "5.7.11 Encryption required for the requested authentication mechanism; use STARTTLS or CRAM-MD5");
        return;
    }
    if (mechanism == "CRAM-MD5" && !initial.empty()) {
        reject(501, "5.5.4 Error: CRAM-MD5 takes no initial response");
        return;
    }

    // A locked-out address gets a temporary failure without its
    // credentials being looked at, after the same delay as a failure.
    if (context_.auth_limiter.locked_out(client_address_)) {
        std::this_thread::sleep_for(context_.settings.auth_failure_delay);
        reject(454, "4.7.0 Temporary authentication failure: too many failed logins from your address; try again later");
        return;
    }

    // The tables stay the same for the rest of this session.
    tables_ = context_.tables.get();
    const Account* account = nullptr;
    std::string login;
    std::optional<std::string> failure;
    if (mechanism == "CRAM-MD5") failure = authenticate_cram_md5(account, login);
    if (mechanism == "PLAIN") failure = authenticate_plain(initial, account, login);
    if (mechanism == "LOGIN") failure = authenticate_login(initial, account, login);

    if (failure == "cancelled") {
        reject(501, "5.7.0 Authentication cancelled");
        return;
    }
    // RFC 4954 section 4: a response that is not base64 gets 501. No
    // password was tried, so it does not count as a failed login.
    if (failure == "invalid base64") {
        reject(501, "5.5.2 Error: the authentication response is not valid base64");
        return;
    }
    if (failure) {
        // Slows down guessing; the delay comes before the reply, so a
        // client cannot skip it.
        log::warning(concat("authentication failed for ", client(), " with ", mechanism, ": ", *failure));
        std::this_thread::sleep_for(context_.auth_limiter.record_failure(client_address_, login));
        reject(535, "5.7.8 Error: authentication credentials invalid");
        return;
    }

    account_ = account;
    context_.auth_limiter.record_success(client_address_);
    log::info(concat("login=", account_->login, " authenticated with ", mechanism, " from ", client()));
    reject(235, "2.7.0 Authentication successful");
}

void AtrnServerSession::handle_atrn(const Command& command) {
    if (account_ == nullptr) {
        reject(530, "5.7.0 Authentication required");
        return;
    }
    // After ATRN the connection changes direction; a command pipelined
    // behind it would be read by the wrong side (RFC 2645 section 4.2).
    if (connection_.reader().input_pending()) {
        reply(503, "5.5.0 Error: ATRN must be the last command sent; nothing may follow it before the reply");
        return;
    }

    std::set<std::string> domains = account_->domains;
    if (!command.argument.empty()) {
        std::string bad;
        auto requested = parse_atrn_domains(command.argument, bad);
        if (!requested) {
            reject(501, concat("5.5.4 Error: '", bad, "' is not a domain name; syntax: ATRN [domain[,domain...]]"));
            return;
        }
        for (const auto& domain : *requested) {
            if (account_->domains.count(domain) == 0) {
                log::warning(concat("login=", account_->login, " from ", client(), " asked for ", domain,
                                    ", which it may not release"));
                reply(450, concat("4.7.1 ", domain, ": access denied; this login may not release that domain"));
                return;
            }
        }
        domains = std::move(*requested);
    }

    std::string busy;
    std::optional<std::vector<DomainLock>> locks;
    try {
        locks = DomainLock::acquire_all(context_.settings.bridge_directory, domains, busy);
    } catch (const std::exception& error) {
        log::error(concat("ATRN from ", client(), " login=", account_->login, ": ", error.what(),
                          "; check the owner and mode of bridge_directory"));
        reply(451, "4.3.0 Unable to process ATRN request now: local error; try again later");
        return;
    }
    if (!locks) {
        reply(450, concat("4.4.0 ", busy, ": another session is releasing this domain now; try again later"));
        return;
    }

    SessionIdentity identity{"atrn", client(), account_->login, domains};
    std::vector<HeldMessage> waiting;
    try {
        waiting = context_.host.list_held(session_filter(identity));
    } catch (const HostQueueError& error) {
        log::error(concat("ATRN from ", client(), ": cannot read the mail queue: ", error.what()));
        reply(451, "4.3.0 Unable to process ATRN request now: the mail queue cannot be read; try again later");
        return;
    }
    if (waiting.empty()) {
        reply(453, "You have no mail");
        return;
    }

    reply(250, "2.0.0 OK now reversing the connection");
    connection_.flush(command_deadline());
    done_ = true;

    std::string domain_list;
    for (const auto& domain : domains) domain_list += (domain_list.empty() ? "" : ",") + domain;
    log::info(concat("session=atrn start: login=", account_->login, " client=", client(), " domains=", domain_list,
                     " waiting=", waiting.size(), " messages"));

    const auto started = Clock::now();
    CustomerGreeting greeting;
    try {
        greeting = greet_customer(connection_, context_.delivery);
    } catch (const IoError& error) {
        log::warning(concat("session=atrn end: login=", account_->login, " client=", client(),
                            " reason=the customer did not take the turnaround: ", error.what()));
        return;
    }

    identity.relay = concat(greeting.name, client());
    const DeliveryResult result = deliver_to_customer(connection_, greeting, identity, std::move(waiting), context_.host,
                                                      context_.delivery);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    log::info(concat("session=atrn end: login=", account_->login, " relay=", identity.relay, " domains=", domain_list,
                     " sent=", result.counters.sent, " deferred=", result.counters.deferred, " bounced=",
                     result.counters.bounced, " messages=", result.counters.messages, " bytes=", result.counters.bytes,
                     " duration=", static_cast<long long>(seconds * 1000) / 1000.0, "s reason=", result.end_reason));
}

}  // namespace odmr

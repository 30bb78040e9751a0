#include "shim/provider_client.hpp"

#include <algorithm>

#include "shim/scram_client.hpp"
#include "shim/tls_failure.hpp"
#include "smtp/base64.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/sasl.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// A provider's replies and EHLO lines are short; AUTH challenges may reach
// the length RFC 4954 allows.
constexpr std::size_t provider_max_line_length = max_sasl_line_length;

JobOutcome outcome_of(const Reply& reply) {
    return reply.transient_failure() ? JobOutcome::transient_failure : JobOutcome::permanent_failure;
}

std::shared_ptr<TlsContext> client_tls_context(const Job& job) {
    try {
        return TlsContext::client(job.options.tls_ca_file, job.options.tls_verify);
    } catch (const std::runtime_error& error) {
        throw JobFailure(JobOutcome::permanent_failure, error.what());
    }
}

void start_tls(ProviderSession& session, const Job& job) {
    const auto context = client_tls_context(job);
    try {
        session.connection->start_tls(*context, TlsStream::Role::client, job.provider_host, session.reply_deadline());
    } catch (const TlsHandshakeError& error) {
        // A rejected certificate or a port without TLS fails again on the
        // next try, but a handshake broken otherwise may not.
        const TlsFailure failure = explain_tls_failure(error, job);
        throw JobFailure(failure.permanent ? JobOutcome::permanent_failure : JobOutcome::transient_failure,
                         concat("TLS with ", session.relay_name, " failed: ", failure.message));
    } catch (const IoError& error) {
        throw JobFailure(JobOutcome::transient_failure, concat("TLS with ", session.relay_name, " failed: ", error.what()));
    }
    log::info(concat(job.name, ": TLS with ", session.relay_name, ": ", session.connection->tls_description()));
}

void say_hello(ProviderSession& session, const Job& job) {
    const Greeting greeting = send_ehlo(*session.connection, job.options.helo_name, session.reply_deadline());
    if (!greeting.reply.positive_completion()) {
        throw JobFailure(outcome_of(greeting.reply), concat(session.relay_name, " rejected EHLO and HELO: ",
                                                            greeting.reply.summary()));
    }
    session.capabilities = greeting.capabilities;
    session.extended = greeting.extended;
}

void negotiate_starttls(ProviderSession& session, const Job& job) {
    const TlsMode mode = job.options.tls;
    if (mode == TlsMode::none || mode == TlsMode::implicit) return;

    if (!session.capabilities.has("STARTTLS")) {
        if (mode == TlsMode::required) {
            throw JobFailure(JobOutcome::permanent_failure,
                             concat(session.relay_name, " does not offer STARTTLS, which tls=required demands; ask the "
                                    "provider to enable it, or set tls=may for this job"));
        }
        log::debug(concat(job.name, ": ", session.relay_name, " does not offer STARTTLS; going on without TLS"));
        return;
    }

    const Reply reply = send_command(*session.connection, "STARTTLS", session.reply_deadline());
    if (reply.code != 220) {
        if (mode == TlsMode::required) {
            throw JobFailure(outcome_of(reply), concat(session.relay_name, " rejected STARTTLS: ", reply.summary()));
        }
        log::warning(concat(job.name, ": ", session.relay_name, " rejected STARTTLS (", reply.summary(),
                            "); going on without TLS, as tls=may allows"));
        return;
    }
    start_tls(session, job);

    // RFC 3207 section 4.2: discard what the server sent before TLS.
    say_hello(session, job);
}

}  // namespace

ProviderSession open_provider_session(const Job& job) {
    ProviderSession session;
    session.session_deadline = Deadline::after(job.options.session_timeout);
    session.command_timeout = job.options.command_timeout;
    session.relay_name = concat(job.provider_host, "[?]:", job.provider_port);

    try {
        const Deadline connect_deadline =
            Deadline::earliest(Deadline::after(job.options.connect_timeout), session.session_deadline);
        const int fd = connect_tcp(job.provider_host, job.provider_port, connect_deadline);
        session.address = peer_address(fd);
        session.port = peer_port(fd);
        session.relay_name = concat(job.provider_host == session.address ? "" : job.provider_host, "[", session.address,
                                    "]:", session.port);
        session.connection = std::make_unique<Connection>(std::make_unique<FdStream>(fd), provider_max_line_length);
    } catch (const IoError& error) {
        throw JobFailure(JobOutcome::transient_failure, error.what());
    }

    try {
        if (job.options.tls == TlsMode::implicit) start_tls(session, job);

        const Reply greeting = session.connection->read_reply(session.reply_deadline());
        if (greeting.code != 220) {
            throw JobFailure(outcome_of(greeting), concat(session.relay_name, " greeted with ", greeting.summary()));
        }
        say_hello(session, job);
        negotiate_starttls(session, job);
    } catch (const IoError& error) {
        throw JobFailure(JobOutcome::transient_failure, concat("lost ", session.relay_name, ": ", error.what()));
    }
    return session;
}

namespace {

// Each mechanism returns the final reply of the exchange.

Reply login_cram_md5(ProviderSession& session, const Job& job) {
    Connection& connection = *session.connection;
    const Reply challenge = send_command(connection, "AUTH CRAM-MD5", session.reply_deadline());
    if (challenge.code != 334) return challenge;

    const auto decoded = base64_decode(challenge.lines.empty() ? "" : challenge.lines.front());
    if (!decoded) {
        send_command(connection, "*", session.reply_deadline());
        throw JobFailure(JobOutcome::transient_failure,
                         concat(session.relay_name, " sent a CRAM-MD5 challenge that is not base64"));
    }
    const std::string answer = cram_md5_client_answer(job.atrn.login, job.atrn.password, *decoded);
    return send_command(connection, base64_encode(answer), session.reply_deadline());
}

Reply login_plain(ProviderSession& session, const Job& job) {
    const std::string message = sasl_plain_client_message(job.atrn.login, job.atrn.password);
    return send_command(*session.connection, concat("AUTH PLAIN ", base64_encode(message)), session.reply_deadline());
}

Reply login_login(ProviderSession& session, const Job& job) {
    Connection& connection = *session.connection;
    Reply reply = send_command(connection, "AUTH LOGIN", session.reply_deadline());
    if (reply.code != 334) return reply;
    reply = send_command(connection, base64_encode(job.atrn.login), session.reply_deadline());
    if (reply.code != 334) return reply;
    return send_command(connection, base64_encode(job.atrn.password), session.reply_deadline());
}

Reply login_scram_sha256(ProviderSession& session, const Job& job) {
    Connection& connection = *session.connection;
    ScramSha256Client scram(job.atrn.login, job.atrn.password);
    const Reply first = send_command(connection, concat("AUTH SCRAM-SHA-256 ", base64_encode(scram.first_message())),
                                     session.reply_deadline());
    if (first.code != 334) return first;

    std::string error;
    const auto server_first = base64_decode(first.lines.empty() ? "" : first.lines.front());
    const auto final_message = server_first ? scram.final_message(*server_first, error) : std::nullopt;
    if (!final_message) {
        send_command(connection, "*", session.reply_deadline());
        throw JobFailure(JobOutcome::permanent_failure,
                         concat("SCRAM-SHA-256 with ", session.relay_name, " failed: ",
                                server_first ? error : "the server-first message is not base64"));
    }

    const Reply last = send_command(connection, base64_encode(*final_message), session.reply_deadline());
    if (last.code != 334) {
        if (last.positive_completion()) {
            throw JobFailure(JobOutcome::permanent_failure,
                             concat(session.relay_name, " ended SCRAM-SHA-256 without proving that it knows the password"));
        }
        return last;
    }

    // The server's signature proves that it has the password too. Without
    // that check an impostor could accept the login.
    const auto server_final = base64_decode(last.lines.empty() ? "" : last.lines.front());
    if (!server_final || !scram.verify_server(*server_final)) {
        send_command(connection, "*", session.reply_deadline());
        throw JobFailure(JobOutcome::permanent_failure,
                         concat(session.relay_name, " sent a wrong SCRAM-SHA-256 server signature; it does not know "
                                "the password, so it may not be the provider"));
    }
    return send_command(connection, "", session.reply_deadline());
}

std::string choose_mechanism(const ProviderSession& session, const Job& job) {
    const auto offered = session.capabilities.auth_mechanisms();
    const bool tls = session.connection->tls_active();
    for (const auto& mechanism : job.options.auth_mechanisms) {
        if (std::find(offered.begin(), offered.end(), mechanism) == offered.end()) continue;
        if ((mechanism == "PLAIN" || mechanism == "LOGIN") && !tls) continue;
        return mechanism;
    }

    std::string offered_text;
    for (const auto& mechanism : offered) offered_text += (offered_text.empty() ? "" : " ") + mechanism;
    throw JobFailure(JobOutcome::permanent_failure,
                     concat(session.relay_name, " offers AUTH ", offered_text.empty() ? "(none)" : offered_text,
                            ", and none of them is usable with auth_mechanisms",
                            tls ? "" : " without TLS (PLAIN and LOGIN need TLS; set tls=required if the provider offers it)"));
}

}  // namespace

void authenticate(ProviderSession& session, const Job& job) {
    const std::string mechanism = choose_mechanism(session, job);

    Reply reply;
    try {
        if (mechanism == "SCRAM-SHA-256") reply = login_scram_sha256(session, job);
        else if (mechanism == "CRAM-MD5") reply = login_cram_md5(session, job);
        else if (mechanism == "PLAIN") reply = login_plain(session, job);
        else reply = login_login(session, job);
    } catch (const IoError& error) {
        throw JobFailure(JobOutcome::transient_failure,
                         concat("lost ", session.relay_name, " during AUTH ", mechanism, ": ", error.what()));
    }

    if (reply.code == 235) {
        log::info(concat(job.name, ": login=", job.atrn.login, " authenticated with ", mechanism, " at ",
                         session.relay_name));
        return;
    }
    if (reply.code == 535) {
        throw JobFailure(JobOutcome::permanent_failure,
                         concat(session.relay_name, " rejected login ", job.atrn.login, " with ", mechanism, " (",
                                reply.summary(), "); check the login and password of job ", job.name));
    }
    throw JobFailure(outcome_of(reply), concat(session.relay_name, " rejected AUTH ", mechanism, ": ", reply.summary()));
}

void quit_provider(ProviderSession& session) {
    if (!session.connection) return;
    try {
        send_command(*session.connection, "QUIT", Deadline::earliest(Deadline::after(Seconds(10)), session.reply_deadline()));
    } catch (const IoError& error) {
        log::debug(concat("QUIT to ", session.relay_name, " failed: ", error.what()));
    }
    session.connection.reset();
}

}  // namespace odmr

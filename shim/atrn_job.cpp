#include "shim/atrn_job.hpp"

#include <arpa/inet.h>

#include "shim/local_relay.hpp"
#include "shim/provider_client.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

const char* atrn_reply_meaning(int code) {
    switch (code) {
    case 250: return "the provider turns the connection around";
    case 450: return "the provider cannot release the domains now (busy, or not allowed for this login); retry later";
    case 451: return "the provider failed locally; retry later";
    case 453: return "no mail waiting";
    case 500:
    case 502: return "the provider does not support ATRN";
    case 501: return "syntax error in the domain list";
    case 530: return "authentication required";
    case 535: return "authentication failed";
    default: break;
    }
    if (code >= 400 && code < 500) return "temporary failure; retry later";
    return "permanent failure";
}

namespace {

bool is_ip_address(const std::string& host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::string domain_list(const Job& job) {
    std::string list;
    for (const auto& domain : job.atrn.domains) list += (list.empty() ? "" : ",") + domain;
    return list;
}

JobResult relay_session(ProviderSession& session, const Job& job, const JobContext& context) {
    ProviderIdentity identity;
    identity.name = is_ip_address(job.provider_host) ? std::string() : job.provider_host;
    identity.address = session.address;
    identity.port = session.port;
    identity.relay_name = session.relay_name;

    LocalRelay relay(*session.connection, job, identity, session.session_deadline, context.stopping);
    const RelaySummary summary = relay.run();
    session.connection.reset();

    const std::string text = concat(summary.messages, " messages relayed, ", summary.refused, " refused by the local MTA; ",
                                    summary.end_reason);
    return JobResult{summary.completed ? JobOutcome::success : JobOutcome::transient_failure, text};
}

JobResult request_mail(ProviderSession& session, const Job& job, const JobContext& context) {
    if (!session.capabilities.has("ATRN")) {
        log::warning(concat(job.name, ": ", session.relay_name, " does not advertise ATRN; sending it anyway"));
    }
    authenticate(session, job);

    const Reply reply = send_command(*session.connection, concat("ATRN ", domain_list(job)), session.reply_deadline());
    const std::string line = concat(job.name, ": ATRN ", domain_list(job), " at ", session.relay_name, ": ",
                                    reply.summary(), " (", atrn_reply_meaning(reply.code), ")");
    if (reply.code == 250) {
        log::info(line);
        return relay_session(session, job, context);
    }

    quit_provider(session);
    if (reply.code == 453) {
        log::info(line);
        return JobResult{JobOutcome::success, "no mail waiting"};
    }
    if (reply.transient_failure()) {
        log::warning(line);
        return JobResult{JobOutcome::transient_failure, concat("ATRN refused: ", reply.summary())};
    }
    log::error(line);
    return JobResult{JobOutcome::permanent_failure, concat("ATRN refused: ", reply.summary())};
}

}  // namespace

JobResult run_atrn_job(const Job& job, const JobContext& context) {
    try {
        ProviderSession session = open_provider_session(job);
        try {
            return request_mail(session, job, context);
        } catch (const IoError& error) {
            throw JobFailure(JobOutcome::transient_failure, concat("lost ", session.relay_name, ": ", error.what()));
        } catch (const JobFailure&) {
            quit_provider(session);
            throw;
        }
    } catch (const JobFailure& failure) {
        return JobResult{failure.outcome(), failure.what()};
    } catch (const std::exception& error) {
        return JobResult{JobOutcome::transient_failure, concat("unexpected error: ", error.what())};
    }
}

}  // namespace odmr

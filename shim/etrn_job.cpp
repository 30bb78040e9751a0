#include "shim/etrn_job.hpp"

#include "shim/provider_client.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

const char* etrn_reply_meaning(int code) {
    switch (code) {
    case 250: return "queuing started";
    case 251: return "no messages waiting";
    case 252: return "pending messages started";
    case 253: return "pending messages started, count given";
    case 421: return "service not available, the provider is closing the connection";
    case 450: return "refused for now by the provider's policy; retry later";
    case 458: return "unable to queue messages now; retry later";
    case 459: return "node refused by the provider";
    case 500: return "ETRN not recognized";
    case 501: return "syntax error in the ETRN parameters";
    case 502: return "ETRN not implemented by the provider";
    case 530: return "authentication required";
    case 554: return "refused by the provider's policy";
    default: break;
    }
    if (code >= 200 && code < 300) return "accepted";
    if (code >= 400 && code < 500) return "temporary failure; retry later";
    return "permanent failure";
}

namespace {

// One ETRN command; returns how it ended.
JobOutcome send_etrn(ProviderSession& session, const Job& job, const EtrnCommand& command) {
    const Reply reply = send_command(*session.connection, etrn_command_line(command), session.reply_deadline());
    const std::string line = concat(job.name, ": ", masked_etrn_command_line(command), " at ", session.relay_name,
                                    ": ", reply.summary(), " (", etrn_reply_meaning(reply.code), ")");

    if (reply.code >= 250 && reply.code <= 253) {
        log::info(line);
        return JobOutcome::success;
    }
    if (reply.code == 459 || reply.permanent_failure()) {
        log::error(line);
        return JobOutcome::permanent_failure;
    }
    log::warning(line);
    return JobOutcome::transient_failure;
}

JobResult run_commands(ProviderSession& session, const Job& job, const JobContext& context) {
    if (!session.capabilities.has("ETRN")) {
        if (!job.options.force_etrn) {
            throw JobFailure(JobOutcome::permanent_failure,
                             concat(session.relay_name, " does not advertise ETRN; ask the provider to enable it, or "
                                    "set force_etrn=yes to send it anyway"));
        }
        log::warning(concat(job.name, ": ", session.relay_name,
                            " does not advertise ETRN; sending it anyway because force_etrn=yes"));
    }

    JobResult result;
    std::size_t succeeded = 0;
    for (const auto& command : job.etrn) {
        if (context.stopping) break;
        const JobOutcome outcome = send_etrn(session, job, command);
        if (outcome == JobOutcome::success) ++succeeded;

        // A permanent failure outweighs a transient one for the retry.
        if (outcome == JobOutcome::permanent_failure) result.outcome = outcome;
        if (outcome == JobOutcome::transient_failure && result.outcome == JobOutcome::success) result.outcome = outcome;
    }
    result.summary = concat(succeeded, " of ", job.etrn.size(), " ETRN commands accepted");
    return result;
}

}  // namespace

JobResult run_etrn_job(const Job& job, const JobContext& context) {
    try {
        ProviderSession session = open_provider_session(job);
        JobResult result;
        try {
            result = run_commands(session, job, context);
        } catch (const IoError& error) {
            throw JobFailure(JobOutcome::transient_failure, concat("lost ", session.relay_name, ": ", error.what()));
        } catch (const JobFailure&) {
            quit_provider(session);
            throw;
        }
        quit_provider(session);
        return result;
    } catch (const JobFailure& failure) {
        return JobResult{failure.outcome(), failure.what()};
    } catch (const std::exception& error) {
        return JobResult{JobOutcome::transient_failure, concat("unexpected error: ", error.what())};
    }
}

}  // namespace odmr

#include "plugin/odmrd/etrn_service.hpp"

#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

EtrnOutcome EtrnService::handle(const EtrnRequest& request, const EtrnClient& client, const std::string& via,
                                bool wait_for_connection) {
    const std::string node = describe_node(request);
    const std::string who = concat("ETRN ", node, " from [", client.address, "] via ", via,
                                   client.sasl_login.empty() ? "" : concat(" login=", printable(client.sasl_login, 64)));
    const auto tables = context_.tables.get();

    const EtrnVerdict verdict = authorize_etrn(request, client, *tables);
    if (!verdict.allowed) {
        log::warning(concat(who, ": rejected: ", verdict.log_reason));
        return EtrnOutcome{verdict.code, verdict.text};
    }

    std::size_t messages = 0;
    std::size_t runs_started = 0;
    for (const auto* domain : verdict.domains) {
        SessionIdentity scope{"etrn", "", "", {domain->domain}, request.kind == EtrnRequest::Kind::domain_and_subdomains};
        std::vector<HeldMessage> waiting;
        try {
            waiting = context_.host.list_held(session_filter(scope));
        } catch (const HostQueueError& error) {
            log::error(concat(who, ": cannot read the mail queue: ", error.what()));
            return EtrnOutcome{458, concat("4.3.0 ", node, ": unable to queue messages now; try again later")};
        }
        if (waiting.empty()) continue;
        messages += waiting.size();

        EtrnRuns::Start start;
        try {
            start = runs_.start(*domain, scope.include_subdomains, std::move(waiting), via, wait_for_connection);
        } catch (const std::exception& error) {
            log::error(concat(who, ": cannot start a run for ", domain->domain, ": ", error.what(),
                              "; check the owner and mode of bridge_directory"));
            return EtrnOutcome{458, concat("4.3.0 ", node, ": unable to queue messages now; try again later")};
        }
        switch (start) {
        case EtrnRuns::Start::started:
            ++runs_started;
            break;
        case EtrnRuns::Start::joined:
        case EtrnRuns::Start::rate_limited:
            log::info(concat(who, ": ", domain->domain, " is already being released; the request joins that run"));
            break;
        case EtrnRuns::Start::busy:
            log::info(concat(who, ": ", domain->domain, " is held by another session"));
            return EtrnOutcome{458, concat("4.4.0 ", node, ": another session is releasing this domain; try again later")};
        }
    }

    if (messages == 0) {
        log::info(concat(who, ": nothing waiting"));
        return EtrnOutcome{251, concat("2.0.0 OK, no messages waiting for node ", node)};
    }
    log::info(concat(who, ": ", messages, " messages waiting, ", runs_started, " new runs"));
    return EtrnOutcome{253, concat("2.0.0 OK, ", messages, " pending messages for node ", node, " started")};
}

}  // namespace odmr

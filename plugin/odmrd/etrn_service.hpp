// The decision behind every ETRN, whichever way it arrives (odmrd's own
// ETRN port or Postfix's policy request): check the argument's owner,
// count what is waiting, and start the run. The result is an SMTP reply.
#pragma once

#include <string>

#include "plugin/odmrd/etrn_authorizer.hpp"
#include "plugin/odmrd/etrn_runs.hpp"
#include "plugin/odmrd/server_context.hpp"

namespace odmr {

struct EtrnOutcome {
    int code = 0;      // 250, 251, 253, 458, 459
    std::string text;  // with the enhanced status code
};

class EtrnService {
public:
    EtrnService(const ServerContext& context, EtrnRuns& runs) : context_(context), runs_(runs) {}

    // Handles an ETRN request from a client. `via` names the entry point
    // for the log ("etrn port", "postfix"). With wait_for_connection the
    // call returns once the connection to the customer is up or failed.
    EtrnOutcome handle(const EtrnRequest& request, const EtrnClient& client, const std::string& via,
                       bool wait_for_connection);

private:
    const ServerContext& context_;
    EtrnRuns& runs_;
};

}  // namespace odmr

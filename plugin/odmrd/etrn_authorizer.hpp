// Who may release a queue domain by ETRN: a client address in the domain's
// etrn_clients (by default the customer's fixed address itself), a client
// that logged in to Postfix as an account owning the domain, or one that
// gives such an account's password after the domain. A wrong password is
// refused even from an allowed address.
#pragma once

#include <string>
#include <vector>

#include "plugin/odmrd/etrn_request.hpp"
#include "plugin/odmrd/tables.hpp"

namespace odmr {

struct EtrnVerdict {
    bool allowed = false;
    int code = 0;                               // the refusal's reply code (459, 458)
    std::string text;                           // the refusal's reply text, with enhanced status code
    std::string log_reason;                     // why, for the log; never a password
    std::vector<const QueueDomain*> domains;    // what to release when allowed
};

struct EtrnClient {
    std::string address;     // "192.0.2.9"
    std::string sasl_login;  // empty unless the client logged in (Postfix's sasl_username)
};

// Decides an ETRN request against the tables. The pointers in the verdict
// point into tables.
EtrnVerdict authorize_etrn(const EtrnRequest& request, const EtrnClient& client, const Tables& tables);

// The queue domains an ETRN request names: the domain itself, and for
// "@domain" every queue domain at or below it.
std::vector<const QueueDomain*> matching_queue_domains(const EtrnRequest& request, const QueueDomainTable& table);

}  // namespace odmr

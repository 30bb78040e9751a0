// A provider Postfix that holds mail for a domain and delivers it to the
// customer's fixed address only when someone sends ETRN: Postfix's own
// ETRN, with no odmr part in between.
#pragma once

#include <cstdint>
#include <string>

#include "tests/harness/postfix_instance.hpp"

namespace odmr::test {

// The options for such a provider. Mail for `domain` is routed to the
// etrn-only transport (an smtp client) towards [127.0.0.1]:customer_port
// and held there by defer_transports. fast_flush_domains indexes it, and
// smtpd_etrn_restrictions lets loopback clients send ETRN.
PostfixOptions etrn_provider_options(const std::string& domain, std::uint16_t customer_port);

}  // namespace odmr::test

#include "tests/harness/etrn_provider.hpp"

#include "smtp/text.hpp"

namespace odmr::test {

PostfixOptions etrn_provider_options(const std::string& domain, std::uint16_t customer_port) {
    PostfixOptions options;
    options.hostname = "provider.test";
    options.main_cf = {
        concat("relay_domains = ", domain),
        concat("transport_maps = inline:{ {", domain, " = etrn-only:[127.0.0.1]:", customer_port, "} }"),
        "defer_transports = etrn-only",
        "fast_flush_domains = $relay_domains",
        "smtpd_etrn_restrictions = permit_mynetworks, reject",
    };
    options.master_cf = {"etrn-only unix  -       -       n       -       -       smtp"};
    return options;
}

}  // namespace odmr::test

// The thin interface between odmr-milter's handlers and libmilter. The
// handlers see only this, so unit tests run them against a fake, and
// libmilter_binding.cpp runs them against a real MTA.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace odmr {

// What a handler tells the MTA to do with the current command. The values
// match libmilter's SMFIS_CONTINUE, SMFIS_REJECT and SMFIS_TEMPFAIL.
enum class MilterStatus { proceed, reject, tempfail };

// One SMTP connection (or one non-SMTP submission) as the MTA presents it.
class MilterContext {
public:
    virtual ~MilterContext() = default;

    // The value of an MTA macro such as "i" (the queue id) or
    // "{rcpt_addr}", or nothing when the MTA did not send it at this stage.
    virtual std::optional<std::string> macro(std::string_view name) = 0;

    // Sets the reply the client sees for the current command: code is
    // "4xx" or "5xx", enhanced is the RFC 3463 status ("4.2.2"). Returns
    // false when the MTA refuses the reply, as it does for a 2xx code.
    virtual bool set_reply(std::string_view code, std::string_view enhanced, std::string_view text) = 0;
};

}  // namespace odmr

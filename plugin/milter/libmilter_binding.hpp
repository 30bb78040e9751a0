// The only code that calls libmilter: it registers C callbacks that run a
// LimitSession per connection, and wraps SMFICTX in a MilterContext.
#pragma once

#include <functional>
#include <string>

#include "plugin/milter/held_mail_accounting.hpp"
#include "plugin/milter/limit_session.hpp"
#include "plugin/milter/milter_settings.hpp"

namespace odmr {

// Registers the milter and opens its socket: a unix socket gets mode 0660
// and the group named in settings. Throws std::runtime_error.
void open_milter_socket(const MilterSettings& settings, const LimitPolicy& policy, HeldMailAccounting& accounting);

// Serves the MTA until SIGTERM, SIGHUP or SIGINT, which libmilter's own
// signal thread catches. Returns false when libmilter failed.
bool serve_milter();

}  // namespace odmr

// Dropping root: odmrd binds port 366 as root when it must, then runs as an
// unprivileged user before it reads any client input.
#pragma once

#include <string>

#include "plugin/host/system_accounts.hpp"

namespace odmr {

// Looks up a user. Throws std::runtime_error naming the user when it does
// not exist.
UserIds user_ids(const std::string& user);

// Switches to the user's uid, primary group and supplementary groups, and
// makes the process non-dumpable so a core file cannot hold passwords.
// Throws std::runtime_error when a step fails.
void drop_privileges(const std::string& user);

}  // namespace odmr

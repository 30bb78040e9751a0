#include "plugin/odmrd/privileges.hpp"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

UserIds user_ids(const std::string& user) {
    const auto ids = find_user(user);
    if (!ids) throw std::runtime_error(concat("the user '", user, "' does not exist; create it or change the user setting"));
    return *ids;
}

void drop_privileges(const std::string& user) {
    const UserIds ids = user_ids(user);
    if (initgroups(user.c_str(), ids.gid) < 0 || setgid(ids.gid) < 0 || setuid(ids.uid) < 0) {
        throw std::runtime_error(concat("cannot switch to user ", user, ": ", std::strerror(errno)));
    }

    // Make sure there is no way back.
    if (ids.uid != 0 && setuid(0) == 0) throw std::runtime_error("regained root after dropping privileges");

    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    log::info(concat("running as user ", user, " (uid ", ids.uid, ")"));
}

}  // namespace odmr
